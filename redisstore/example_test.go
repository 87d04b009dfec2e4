package redisstore_test

import (
	"context"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Every instance of a service shares the entitlements cache and the usage
// queue in Redis. (Not run: it needs a Redis and a server key.)
func Example() {
	client, err := wrapper.New() // the server key from KELVIQ_SERVER_API_KEY
	if err != nil {
		log.Fatal(err)
	}
	// Any redis.UniversalClient: a single node, Sentinel or Cluster. On a
	// Cluster, redisstore makes the client re-read its slot map after the
	// errors of a failover; with redis.NewClusterClient, a
	// ClusterStateReloadInterval shorter than go-redis's 60 s also bounds
	// how long a slot moved without errors goes unnoticed.
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"localhost:6379"},
		ContextTimeoutEnabled: true})

	checker, err := entitlements.NewChecker(client,
		entitlements.WithStore(redisstore.NewCache(rdb, redisstore.WithPrefix("acme:"))),
		entitlements.WithOnStoreError(func(op string, err error) { log.Printf("redis %s: %v", op, err) }))
	if err != nil {
		log.Fatal(err)
	}
	// A hash tag keeps the queue's keys in one Cluster slot.
	queue, err := redisstore.NewQueue(rdb, "{acme:usage}")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := usage.NewReporter(client, usage.WithQueue(queue))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	if ok, err := checker.HasAccess(ctx, "cus-1", "api-calls"); err != nil || !ok {
		return
	}
	_ = rep.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})

	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = rep.Close(ctx) // what is not delivered stays in Redis for the next instance
}

// A queue on a Redis Cluster: the name's hash tag puts its keys in one
// slot, and every write waits for a replica, so that a failover loses
// nothing that Report accepted. (Not run: it needs a Cluster.)
func ExampleNewQueue_cluster() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		ContextTimeoutEnabled: true,
		// redisstore re-reads the slot map after a failover's errors;
		// this bounds how long a slot moved without errors goes unseen.
		ClusterStateReloadInterval: 10 * time.Second,
	})
	queue, err := redisstore.NewQueue(rdb, "{acme:usage}", redisstore.WithReplicaAck(1, time.Second))
	if err != nil {
		log.Fatal(err) // e.g. a name without a hash tag
	}
	_ = queue // usage.NewReporter(client, usage.WithQueue(queue))
}
