package attr

import (
	"math"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b   Value
		want   int
		wantOK bool
	}{
		{Int(1), Int(2), -1, true},
		{Int(2), Int(2), 0, true},
		{Int(math.MaxInt64), Int(math.MinInt64), 1, true},
		{String("a"), String("b"), -1, true},
		{String("b"), String("ab"), 1, true},
		{String(""), String(""), 0, true},
		{String("é"), String("z"), 1, true}, // byte order, not collation
		{Int(1), String("1"), 0, false},
		{Value{}, Value{}, 0, false},
		{Value{}, Int(0), 0, false},
	}
	for _, tt := range tests {
		got, ok := Compare(tt.a, tt.b)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	if v := Int(-7); v.Kind() != KindInt || v.Int() != -7 || v.Str() != "" || v.String() != "-7" {
		t.Errorf("Int(-7) = %v kind %v int %d str %q", v, v.Kind(), v.Int(), v.Str())
	}
	if v := String("red"); v.Kind() != KindString || v.Int() != 0 || v.Str() != "red" || v.String() != `"red"` {
		t.Errorf("String(red) = %v kind %v int %d str %q", v, v.Kind(), v.Int(), v.Str())
	}
	var zero Value
	if zero.Kind() != 0 || zero.String() != "<invalid>" || zero.Kind().String() != "invalid" {
		t.Errorf("zero Value = %v kind %v", zero, zero.Kind())
	}
	if KindInt.String() != "int" || KindString.String() != "string" {
		t.Errorf("kind names %v %v", KindInt, KindString)
	}
}
