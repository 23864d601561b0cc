package parse

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// TypeKind is a Frigatebird column or cast type.
type TypeKind uint8

// The types Frigatebird stores. TEXT and VARCHAR are one type (as in
// DuckDB); INTERVAL is only valid in literals and casts, never as a column.
const (
	TypeInvalid TypeKind = iota
	TypeBoolean
	TypeSmallInt
	TypeInteger
	TypeBigInt
	TypeReal
	TypeDouble
	TypeDecimal
	TypeVarchar
	TypeDate
	TypeTimestamp
	TypeInterval
)

var typeNames = [...]string{
	TypeInvalid:   "INVALID",
	TypeBoolean:   "BOOLEAN",
	TypeSmallInt:  "SMALLINT",
	TypeInteger:   "INTEGER",
	TypeBigInt:    "BIGINT",
	TypeReal:      "REAL",
	TypeDouble:    "DOUBLE",
	TypeDecimal:   "DECIMAL",
	TypeVarchar:   "VARCHAR",
	TypeDate:      "DATE",
	TypeTimestamp: "TIMESTAMP",
	TypeInterval:  "INTERVAL",
}

func (k TypeKind) String() string {
	if int(k) < len(typeNames) {
		return typeNames[k]
	}
	return fmt.Sprintf("TypeKind(%d)", k)
}

// Type is a column or cast type as written.
type Type struct {
	Kind TypeKind
	// Precision and Scale are DECIMAL(p,s). Precision 0 means the user gave
	// none and the planner picks the default; Scale is then 0 as well.
	Precision, Scale int
	// Length is VARCHAR(n); 0 means unbounded (TEXT or bare VARCHAR).
	Length int
	// At is the byte offset of the type name in the original SQL.
	At int
}

func (t Type) String() string {
	switch {
	case t.Kind == TypeDecimal && t.Precision > 0:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case t.Kind == TypeVarchar && t.Length > 0:
		return fmt.Sprintf("VARCHAR(%d)", t.Length)
	}
	return t.Kind.String()
}

// maxDecimalPrecision bounds the digits of an exact numeric literal
// (LitDecimal); longer ones are LitFloat.
const maxDecimalPrecision = 38

// maxDecimalTypePrecision bounds DECIMAL(p,s) columns: values are stored
// as scaled int64 (frigatebird/types), which holds 18 decimal digits.
const maxDecimalTypePrecision = 18

// convertType maps a PostgreSQL type name onto a Frigatebird Type.
func convertType(tn *pg.TypeName) (Type, *convError) {
	if tn.Setof || tn.PctType || len(tn.ArrayBounds) > 0 {
		return Type{}, errUnsupported(tn.Location, "array, SETOF and %TYPE types are")
	}
	var names []string
	for _, n := range tn.Names {
		names = append(names, n.GetString_().GetSval())
	}
	if len(names) == 0 {
		return Type{}, errInvalid(tn.Location, "empty type name")
	}
	// "pg_catalog.int4" is how the grammar spells INTEGER; a user-written
	// schema other than pg_catalog is not a Frigatebird type.
	if len(names) > 2 || (len(names) == 2 && names[0] != "pg_catalog") {
		return Type{}, errUnsupported(tn.Location, fmt.Sprintf("type %q is", strings.Join(names, ".")))
	}
	name := strings.ToLower(names[len(names)-1])
	t := Type{At: int(tn.Location)}
	mods, cerr := typmods(tn)
	if cerr != nil {
		return Type{}, cerr
	}
	noMods := func() *convError {
		if len(mods) > 0 {
			return errInvalid(tn.Location, "type %s takes no modifiers", strings.ToUpper(name))
		}
		return nil
	}
	switch name {
	case "bool", "boolean":
		t.Kind = TypeBoolean
		cerr = noMods()
	case "int2", "smallint":
		t.Kind = TypeSmallInt
		cerr = noMods()
	case "int4", "int", "integer":
		t.Kind = TypeInteger
		cerr = noMods()
	case "int8", "bigint":
		t.Kind = TypeBigInt
		cerr = noMods()
	case "float4", "real":
		t.Kind = TypeReal
		cerr = noMods()
	case "float8", "double", "float":
		t.Kind = TypeDouble
		cerr = noMods()
	case "numeric", "decimal":
		t.Kind = TypeDecimal
		switch len(mods) {
		case 0:
		case 1, 2:
			t.Precision = mods[0]
			if len(mods) == 2 {
				t.Scale = mods[1]
			}
			if t.Precision < 1 || t.Precision > maxDecimalTypePrecision {
				return Type{}, errInvalid(tn.Location, "DECIMAL precision %d must be between 1 and %d", t.Precision, maxDecimalTypePrecision)
			}
			if t.Scale < 0 || t.Scale > t.Precision {
				return Type{}, errInvalid(tn.Location, "DECIMAL scale %d must be between 0 and the precision %d", t.Scale, t.Precision)
			}
		default:
			cerr = errInvalid(tn.Location, "DECIMAL takes at most a precision and a scale")
		}
	case "varchar", "text", "string":
		t.Kind = TypeVarchar
		switch {
		case len(mods) == 0:
		case len(mods) == 1 && name == "varchar" && mods[0] > 0:
			t.Length = mods[0]
		default:
			cerr = errInvalid(tn.Location, "%s takes one positive length at most", strings.ToUpper(name))
		}
	case "date":
		t.Kind = TypeDate
		cerr = noMods()
	case "timestamp":
		// TIMESTAMP(p) is accepted and ignored: Frigatebird keeps
		// microseconds, PostgreSQL's maximum precision.
		t.Kind = TypeTimestamp
	case "interval":
		// INTERVAL '3' DAY carries its field mask as a modifier; literal
		// conversion reads it, a bare INTERVAL type ignores it.
		t.Kind = TypeInterval
	default:
		return Type{}, errUnsupported(tn.Location, fmt.Sprintf("type %s is", strings.ToUpper(name)))
	}
	if cerr != nil {
		return Type{}, cerr
	}
	return t, nil
}

// typmods returns the integer modifiers of a type: (p,s) in DECIMAL(p,s).
func typmods(tn *pg.TypeName) ([]int, *convError) {
	var mods []int
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil || c.GetIval() == nil {
			return nil, errInvalid(tn.Location, "type modifiers must be integer constants")
		}
		mods = append(mods, int(c.GetIval().Ival))
	}
	return mods, nil
}
