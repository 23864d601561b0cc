// Command reef is Reef's one binary: `reef up` serves every engine; `reef
// <engine> …` runs one. main only wires; the commands live in their packages.
package main

import (
	"os"

	"github.com/spf13/cobra"

	sqlshell "github.com/reefdb/reef/frigatebird/shell"
	kvcli "github.com/reefdb/reef/nubmq/cli"
	kernelcli "github.com/reefdb/reef/octopii/cli"
	vectorcli "github.com/reefdb/reef/satori/cli"
	"github.com/reefdb/reef/up"
	walruscli "github.com/reefdb/reef/walrus/cli"
)

func main() {
	root := &cobra.Command{
		Use:           "reef",
		Short:         "Reef: storage and runtime engines in one binary",
		SilenceErrors: false,
	}
	root.AddCommand(up.Command(), walruscli.Command(), kvcli.Command(), kernelcli.Command(), sqlshell.Command(), vectorcli.Command())
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
