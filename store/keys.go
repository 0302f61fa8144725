package store

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// ParseKeys reads OpenSSH public keys (.pub files or authorized_keys lines, comments and
// blank lines allowed) and returns them normalised as "type base64" lines.
func ParseKeys(data []byte) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("line %d is not an OpenSSH public key: %v", line, err)
		}
		out = append(out, NormalKey(pub))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no public key found (expected a line like \"ssh-ed25519 AAAA… name@host\")")
	}
	return out, nil
}

// NormalKey is the stored form of a key.
func NormalKey(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// Fingerprint of a stored key line ("SHA256:…"), or "" if unreadable.
func Fingerprint(line string) string {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return ""
	}
	return ssh.FingerprintSHA256(pub)
}

// StaffByKey finds the staff member one of whose keys is pub. Only active staff count.
func (s *Store) StaffByKey(pub ssh.PublicKey) (workflow.Staff, bool) {
	want := NormalKey(pub)
	for _, st := range s.ListStaff() {
		if !st.Active {
			continue
		}
		for _, k := range st.Keys {
			if k == want {
				return st, true
			}
		}
	}
	return workflow.Staff{}, false
}
