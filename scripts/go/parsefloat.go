// Writes, for each JSON string in the array on stdin, what V3 makes of it
// as a hierarchy weight: Go's strconv.ParseFloat(w, 64), then `<= 0`.
// Regenerates crates/transition-core/tests/data/go-parsefloat.json:
//
//	go run scripts/go/parsefloat.go < crates/transition-core/tests/data/go-parsefloat.inputs.json \
//	  > crates/transition-core/tests/data/go-parsefloat.json
//
// Needs Go (any 1.13+: hex floats and `_` separators); CI does not run it.
package main

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
)

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	out := make([][2]string, 0, len(inputs))
	for _, s := range inputs {
		f, err := strconv.ParseFloat(s, 64)
		outcome := "Positive"
		switch {
		case errors.Is(err, strconv.ErrSyntax):
			outcome = "Syntax"
		case errors.Is(err, strconv.ErrRange):
			outcome = "Range"
		case err != nil:
			panic(err)
		case f <= 0:
			outcome = "NotPositive"
		}
		out = append(out, [2]string{s, outcome})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]interface{}{
		"generator": "scripts/go/parsefloat.go",
		"go":        "strconv.ParseFloat(w, 64), then <= 0",
		"cases":     out,
	}); err != nil {
		panic(err)
	}
}
