package cli

// indentJSON appends src, JSON as json.Marshal writes it, indented exactly as
// json.Indent(dst, src, prefix, indent) would (so json.MarshalIndent is
// indentJSON(nil, json.Marshal(v), prefix, indent)), in one pass without its
// byte-by-byte state machine: export spent more time indenting than encoding.
// Whitespace between tokens is dropped as json.Indent drops it; src is trusted to be
// valid JSON (it comes from json.Marshal).
func indentJSON(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	needIndent := false // just after { or [: a newline comes, unless the value is empty
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			newline()
		}
		switch c {
		case '"':
			// Copy the string whole: up to the closing quote not escaped.
			j := i + 1
			for j < len(src) {
				if src[j] == '\\' {
					j += 2
					continue
				}
				if src[j] == '"' {
					break
				}
				j++
			}
			if j >= len(src) {
				j = len(src) - 1
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			needIndent = true
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if needIndent { // an empty object or array stays {} or []
				needIndent = false
			} else {
				depth--
				newline()
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
