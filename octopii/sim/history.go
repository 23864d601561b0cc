package sim

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
)

// history is the clients' operations, checked for linearizability against a
// sequential key-value model once the run ends.
type history struct {
	ops []porcupine.Operation
}

func (h *history) add(op porcupine.Operation) { h.ops = append(h.ops, op) }

// kvState is one key's value in the model: absent, or present with a value.
type kvState struct {
	value  string
	exists bool
}

var kvModel = porcupine.Model{
	Partition: func(ops []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range ops {
			k := op.Input.(kvInput).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		var parts [][]porcupine.Operation
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
		// A put or delete answers the value it replaced; a get, the value.
		match := out.unknown || (out.exists == st.exists && (!st.exists || out.value == st.value))
		switch in.op {
		case 'P':
			return match, kvState{value: in.value, exists: true}
		case 'D':
			return match, kvState{}
		default:
			return match && !out.unknown, st
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		res := "?"
		if !out.unknown {
			res = fmt.Sprintf("%q/%v", out.value, out.exists)
		}
		return fmt.Sprintf("%c(%s,%s) -> %s", in.op, in.key, in.value, res)
	},
}

// check runs Porcupine over the history.
func (h *history) check(w *world) {
	res := porcupine.CheckOperationsTimeout(kvModel, h.ops, 30*time.Second)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		w.violation("client history of %d operations is not linearizable", len(h.ops))
	default:
		w.violation("linearizability check of %d operations timed out", len(h.ops))
	}
}
