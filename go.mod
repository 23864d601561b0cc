module github.com/reefdb/reef

go 1.26

require (
	github.com/spf13/cobra v1.8.1
	golang.org/x/sys v0.28.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
)
