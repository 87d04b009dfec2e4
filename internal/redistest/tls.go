package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// tlsFiles is a certificate authority made for one test and a server
// certificate it signed for 127.0.0.1.
type tlsFiles struct {
	ca               *x509.CertPool
	caFile, crt, key string
}

// TLS makes the server speak only TLS, with a certificate for 127.0.0.1
// signed by a certificate authority made for this test in its temp dir.
// Client and TLSConfig trust that authority (and no other).
func TLS(t testing.TB) Option {
	t.Helper()
	f := newTLSFiles(t, t.TempDir())
	return func(c *config) {
		c.tls = f
		c.args = append(c.args, "--tls-cert-file", f.crt, "--tls-key-file", f.key,
			"--tls-ca-cert-file", f.caFile, "--tls-auth-clients", "no")
	}
}

// TLSConfig is the client side of TLS for the server (nil without TLS).
func (s *Server) TLSConfig() *tls.Config {
	if s.cfg.tls == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.cfg.tls.ca, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func newTLSFiles(t testing.TB, dir string) *tlsFiles {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatalf("redistest: TLS: %v", err)
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "redistest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(err)
	caCert, err := x509.ParseCertificate(caDER)
	must(err)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	must(err)
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	must(err)
	f := &tlsFiles{ca: x509.NewCertPool(), caFile: filepath.Join(dir, "ca.crt"),
		crt: filepath.Join(dir, "redis.crt"), key: filepath.Join(dir, "redis.key")}
	f.ca.AddCert(caCert)
	write := func(path, typ string, der []byte) {
		must(os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	}
	write(f.caFile, "CERTIFICATE", caDER)
	write(f.crt, "CERTIFICATE", srvDER)
	write(f.key, "EC PRIVATE KEY", keyDER)
	return f
}
