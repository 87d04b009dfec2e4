package kelviqtest

import (
	"net/http"
	"strings"
)

// uploadKeyPrefix starts every file key createPresignedUploadUrl hands
// out: "uploads/<organization slug>/<uuid>/<file name>".
const uploadKeyPrefix = "uploads/"

// ownsUploadKeys responds with 400 {field: [...]} and reports false when one of
// keys is a file key the fake handed out to another organization: one
// organization cannot attach another's uploads to its products or plans.
// Keys in no form the fake hands out (a test's own "img/1.png") are taken
// as they are, since the fake keeps no upload store.
func (o *org) ownsUploadKeys(w http.ResponseWriter, field string, keys []string) bool {
	own := uploadKeyPrefix + o.slug + "/"
	for _, k := range keys {
		if strings.HasPrefix(k, uploadKeyPrefix) && !strings.HasPrefix(k, own) {
			writeFieldErrors(w, field, "Invalid file key: it was not issued to this organization.")
			return false
		}
	}
	return true
}
