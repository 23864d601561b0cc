module github.com/reefdb/reef

go 1.26

require (
	github.com/redis/go-redis/v9 v9.7.0
	github.com/spf13/cobra v1.8.1
	golang.org/x/sys v0.28.0
)

require (
	github.com/cespare/xxhash/v2 v2.2.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
)
