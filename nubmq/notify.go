package nubmq

import (
	"errors"
	"strings"
)

// Keyspace notification classes, as Redis's notify-keyspace-events letters.
const (
	notifyKeyspace = 1 << iota // K: __keyspace@0__:<key> <event>
	notifyKeyevent             // E: __keyevent@0__:<event> <key>
	notifyGeneric              // g: del, expire, rename, persist, ...
	notifyString               // $
	notifyList                 // l
	notifySet                  // s
	notifyHash                 // h
	notifyZset                 // z
	notifyExpired              // x
	notifyEvicted              // e
	notifyStream               // t
	notifyModule               // d
	notifyKeyMiss              // m
	notifyNew                  // n
)

// notifyAll is what "A" stands for: every class but m and n.
const notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash |
	notifyZset | notifyExpired | notifyEvicted | notifyStream | notifyModule

var notifyLetters = []struct {
	c    byte
	flag int
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'K', notifyKeyspace}, {'E', notifyKeyevent},
	{'m', notifyKeyMiss}, {'n', notifyNew},
}

// parseNotifyFlags parses a notify-keyspace-events value.
func parseNotifyFlags(s string) (int, error) {
	flags := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 'A' {
			flags |= notifyAll
			continue
		}
		found := false
		for _, l := range notifyLetters {
			if l.c == s[i] {
				flags |= l.flag
				found = true
				break
			}
		}
		if !found {
			return 0, errors.New("invalid event class character '" + string(s[i]) + "'")
		}
	}
	return flags, nil
}

// formatNotifyFlags renders flags as CONFIG GET shows them ("KEA" reads
// back as "AKE").
func formatNotifyFlags(flags int) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	}
	for _, l := range notifyLetters {
		if flags&l.flag == 0 || (flags&notifyAll == notifyAll && l.flag&notifyAll != 0) {
			continue
		}
		b.WriteByte(l.c)
	}
	return b.String()
}

// notifyKey publishes a keyspace event of class (one of the type or event
// letters) for key, if notify-keyspace-events asks for it. from is the
// connection whose command caused it (nil for the cron's expiry and
// eviction).
func (s *Server) notifyKey(from *conn, class int, event string, key []byte) {
	flags := int(s.notify.Load())
	if flags&class == 0 || flags&(notifyKeyspace|notifyKeyevent) == 0 {
		return
	}
	if flags&notifyKeyspace != 0 {
		ch := make([]byte, 0, len("__keyspace@0__:")+len(key))
		ch = append(append(ch, "__keyspace@0__:"...), key...)
		s.publish(from, ch, []byte(event))
	}
	if flags&notifyKeyevent != 0 {
		s.publish(from, []byte("__keyevent@0__:"+event), key)
	}
}
