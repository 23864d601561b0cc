package parse

import (
	"strings"
)

// The rewrite turns Frigatebird-only syntax into PostgreSQL before the
// grammar sees it, without moving a single byte: every clause it removes is
// overwritten with spaces (newlines kept), and every token it changes keeps
// its length. Offsets in the rewritten text are therefore offsets in the
// original text, and PostgreSQL's positions need no mapping table.
//
// Two rewrites exist:
//
//   - CREATE TABLE t (...) ORDER BY (a, b) — the trailing sort key is
//     remembered and blanked.
//   - SELECT ... FROM 'file.parquet' — the string becomes the quoted
//     identifier "file.parquet" of the same length and the offset is
//     remembered, so the converter turns that table into read_parquet.
//
// Both work on tokens from lex, which knows strings, quoted identifiers,
// comments and dollar quotes, so ORDER BY or FROM inside them is never
// touched; the sort key must follow the closing parenthesis of the column
// list, so the ORDER BY of a SELECT never matches.

// rewritten is the outcome of rewrite.
type rewritten struct {
	sql      string
	sortKeys []sortKey
	// files maps the offset of a FROM 'file' string to the file path.
	files map[int]string
	// toks are the tokens of the original text.
	toks []token
}

// sortKey is one CREATE TABLE ... ORDER BY clause.
type sortKey struct {
	at   int // offset of ORDER
	cols []Ident
}

type tokKind uint8

const (
	tokWord        tokKind = iota + 1 // identifier or keyword, unquoted
	tokQuotedIdent                    // "..."
	tokString                         // '...', E'...', $$...$$
	tokNumber
	tokParam // $1
	tokPunct // any other single byte
)

// token is one lexical token of SQL text.
type token struct {
	kind       tokKind
	start, end int
	// word is the lowercased text of a tokWord, the unquoted text of a
	// tokQuotedIdent or of a plain '...' string, the byte of a tokPunct.
	word string
	// plain is true for a '...' string without prefix, escapes or "
	// characters: one that can become a quoted identifier of equal length.
	plain bool
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

// lex splits sql into tokens, skipping whitespace and comments. It never
// fails: an unterminated string or comment runs to the end of the text and
// PostgreSQL reports it.
func lex(sql string) []token {
	var toks []token
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && sql[i+1] == '-':
			for i < n && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && sql[i+1] == '*':
			// PostgreSQL block comments nest.
			depth := 0
			for i < n {
				if sql[i] == '/' && i+1 < n && sql[i+1] == '*' {
					depth++
					i += 2
				} else if sql[i] == '*' && i+1 < n && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'':
			end, text, plain := lexString(sql, i, false)
			toks = append(toks, token{kind: tokString, start: i, end: end, word: text, plain: plain})
			i = end
		case c == '"':
			j := i + 1
			var b strings.Builder
			for j < n {
				if sql[j] == '"' {
					if j+1 < n && sql[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					j++
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			toks = append(toks, token{kind: tokQuotedIdent, start: i, end: j, word: b.String()})
			i = j
		case c == '$':
			j := i + 1
			if j < n && sql[j] >= '0' && sql[j] <= '9' {
				for j < n && sql[j] >= '0' && sql[j] <= '9' {
					j++
				}
				toks = append(toks, token{kind: tokParam, start: i, end: j})
				i = j
				break
			}
			for j < n && (isIdentStart(sql[j]) || j > i+1 && sql[j] >= '0' && sql[j] <= '9') {
				j++
			}
			if j < n && sql[j] == '$' {
				delim := sql[i : j+1]
				end := strings.Index(sql[j+1:], delim)
				if end < 0 {
					end = n
				} else {
					end = j + 1 + end + len(delim)
				}
				toks = append(toks, token{kind: tokString, start: i, end: end})
				i = end
				break
			}
			toks = append(toks, token{kind: tokPunct, start: i, end: i + 1, word: "$"})
			i++
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentCont(sql[j]) {
				j++
			}
			// E'...', B'...', X'...', N'...': a one-letter prefix glued
			// to a string.
			if j == i+1 && j < n && sql[j] == '\'' && strings.ContainsRune("eEbBxXnN", rune(c)) {
				end, _, _ := lexString(sql, j, c == 'e' || c == 'E')
				toks = append(toks, token{kind: tokString, start: i, end: end})
				i = end
				break
			}
			toks = append(toks, token{kind: tokWord, start: i, end: j, word: strings.ToLower(sql[i:j])})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < n && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '.' || sql[j] == '_' ||
				sql[j] == 'e' || sql[j] == 'E' || sql[j] == 'x' || sql[j] == 'X' ||
				(sql[j] == '+' || sql[j] == '-') && (sql[j-1] == 'e' || sql[j-1] == 'E')) {
				j++
			}
			toks = append(toks, token{kind: tokNumber, start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tokPunct, start: i, end: i + 1, word: sql[i : i+1]})
			i++
		}
	}
	return toks
}

// lexString reads the string starting at the quote sql[q]; backslash
// escapes apply to E'...' strings. It returns the end offset, the text of a
// plain string, and whether the string is plain (see token.plain).
func lexString(sql string, q int, backslash bool) (end int, text string, plain bool) {
	n := len(sql)
	plain = !backslash
	j := q + 1
	for j < n {
		switch {
		case backslash && sql[j] == '\\':
			j += 2
			continue
		case sql[j] == '\'':
			if j+1 < n && sql[j+1] == '\'' {
				plain = false
				j += 2
				continue
			}
			if plain {
				text = sql[q+1 : j]
			}
			return j + 1, text, plain && !strings.Contains(text, `"`)
		}
		j++
	}
	return n, "", false
}

// rewrite applies the Frigatebird rewrites to sql. It fails only on a
// malformed sort key.
func rewrite(sql string) (rewritten, *Error) {
	toks := lex(sql)
	out := rewritten{sql: sql, toks: toks}
	buf := []byte(nil)
	for start := 0; start < len(toks); {
		end := start
		for end < len(toks) && !(toks[end].kind == tokPunct && toks[end].word == ";") {
			end++
		}
		stmt := toks[start:end]
		key, from, to, err := findSortKey(sql, stmt)
		if err != nil {
			return rewritten{}, err
		}
		if key != nil {
			if buf == nil {
				buf = []byte(sql)
			}
			for i := from; i < to; i++ {
				if buf[i] != '\n' {
					buf[i] = ' '
				}
			}
			out.sortKeys = append(out.sortKeys, *key)
		}
		for _, t := range fileTables(stmt) {
			if buf == nil {
				buf = []byte(sql)
			}
			buf[t.start], buf[t.end-1] = '"', '"'
			if out.files == nil {
				out.files = map[int]string{}
			}
			out.files[t.start] = t.word
		}
		start = end + 1
	}
	if buf != nil {
		out.sql = string(buf)
	}
	return out, nil
}

// isWord reports whether t is the unquoted keyword w.
func (t token) isWord(w string) bool { return t.kind == tokWord && t.word == w }

// isPunct reports whether t is the punctuation byte p.
func (t token) isPunct(p string) bool { return t.kind == tokPunct && t.word == p }

// findSortKey looks for CREATE [TEMP] TABLE [IF NOT EXISTS] name (...)
// ORDER BY ... in one statement's tokens and returns the key and the byte
// range [from, to) of the clause to blank; key is nil when there is none.
func findSortKey(sql string, toks []token) (key *sortKey, from, to int, err *Error) {
	i := 0
	at := func(w string) bool {
		if i < len(toks) && toks[i].isWord(w) {
			i++
			return true
		}
		return false
	}
	if !at("create") {
		return nil, 0, 0, nil
	}
	for at("temp") || at("temporary") || at("unlogged") || at("global") || at("local") {
	}
	if !at("table") {
		return nil, 0, 0, nil
	}
	if at("if") && !(at("not") && at("exists")) {
		return nil, 0, 0, nil
	}
	// name [. name]*
	for {
		if i >= len(toks) || toks[i].kind != tokWord && toks[i].kind != tokQuotedIdent {
			return nil, 0, 0, nil
		}
		i++
		if i < len(toks) && toks[i].isPunct(".") {
			i++
			continue
		}
		break
	}
	if i >= len(toks) || !toks[i].isPunct("(") {
		return nil, 0, 0, nil
	}
	depth := 0
	for ; i < len(toks); i++ {
		if toks[i].isPunct("(") {
			depth++
		} else if toks[i].isPunct(")") {
			depth--
			if depth == 0 {
				i++
				break
			}
		}
	}
	if depth != 0 || i >= len(toks) || !toks[i].isWord("order") {
		return nil, 0, 0, nil
	}
	key = &sortKey{at: toks[i].start}
	from = toks[i].start
	i++
	if !at("by") {
		off := len(sql)
		if i < len(toks) {
			off = toks[i].start
		}
		return nil, 0, 0, newError(ErrSyntax, sql, off, "sort key: expected BY after ORDER")
	}
	ident := func() bool {
		if i < len(toks) && (toks[i].kind == tokWord || toks[i].kind == tokQuotedIdent) && toks[i].word != "" {
			key.cols = append(key.cols, Ident{Name: toks[i].word, At: toks[i].start})
			i++
			return true
		}
		return false
	}
	expected := func() *Error {
		off := len(sql)
		if i < len(toks) {
			off = toks[i].start
		}
		return newError(ErrSyntax, sql, off, "sort key: expected a column name or a parenthesized list of column names")
	}
	if i < len(toks) && toks[i].isPunct("(") {
		i++
		for {
			if !ident() {
				return nil, 0, 0, expected()
			}
			if i < len(toks) && toks[i].isPunct(",") {
				i++
				continue
			}
			if i < len(toks) && toks[i].isPunct(")") {
				i++
				break
			}
			off := len(sql)
			if i < len(toks) {
				off = toks[i].start
			}
			return nil, 0, 0, newError(ErrSyntax, sql, off, "sort key: expected , or ) after a column name")
		}
	} else if !ident() {
		return nil, 0, 0, expected()
	}
	return key, from, toks[i-1].end, nil
}

// fileTables returns the plain strings that stand where a table name goes
// in a query: right after FROM, at the level of a SELECT (not inside a
// function call such as substring(x FROM 'a'), nor in COPY t FROM 'file').
func fileTables(toks []token) []token {
	if len(toks) == 0 {
		return nil
	}
	first := toks[0].word
	query := toks[0].kind == tokWord && (first == "select" || first == "with" || first == "explain" || first == "insert")
	stack := []bool{query}
	var out []token
	for i, t := range toks {
		switch {
		case t.isPunct("("):
			q := i+1 < len(toks) && (toks[i+1].isWord("select") || toks[i+1].isWord("with"))
			stack = append(stack, q)
		case t.isPunct(")"):
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case t.kind == tokString && t.plain && i > 0 && toks[i-1].isWord("from") && stack[len(stack)-1]:
			out = append(out, t)
		}
	}
	return out
}
