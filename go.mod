module github.com/reefdb/reef

go 1.26.0

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/klauspost/compress v1.18.0
	github.com/pganalyze/pg_query_go/v6 v6.1.0
	github.com/pierrec/lz4/v4 v4.1.22
	github.com/quic-go/quic-go v0.65.0
	github.com/redis/go-redis/v9 v9.7.0
	github.com/spf13/cobra v1.8.1
	go.etcd.io/raft/v3 v3.6.0
	golang.org/x/sys v0.47.0
)

require (
	github.com/cespare/xxhash/v2 v2.2.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/net v0.56.0 // indirect
	google.golang.org/protobuf v1.33.0 // indirect
)
