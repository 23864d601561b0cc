module github.com/reefdb/reef

go 1.26

require golang.org/x/sys v0.28.0 // indirect
