package workflow

import (
	"reflect"
	"testing"
)

// TestUnmaskedNamesThePath: the fail-closed check names the first string that still
// holds a number by its whole path (json names, indices, map parts), however deep it is;
// and nothing when every number is masked or kept.
func TestUnmaskedNamesThePath(t *testing.T) {
	type leaf struct {
		Plain string `json:"plain"`
		Other string `json:"other,omitempty"`
		NoTag string
	}
	type mid struct {
		Items []leaf            `json:"items"`
		Notes map[string]string `json:"notes"`
		Ptr   *leaf             `json:"ptr"`
	}
	phone := "请致电13912345678"
	cases := []struct {
		v    any
		want string
	}{
		{mid{Items: []leaf{{Plain: "无"}, {Other: phone}}}, "x.items[1].other"},
		{mid{Items: []leaf{{NoTag: phone}}}, "x.items[0].NoTag"},
		{mid{Notes: map[string]string{"a": phone}}, "x.notes{value}"},
		{mid{Notes: map[string]string{phone: "a"}}, "x.notes{key}"},
		{mid{Ptr: &leaf{Plain: "身份证110105198502069016"}}, "x.ptr.plain"},
		{[]mid{{}, {Items: []leaf{{Plain: "ok"}, {Plain: "ok"}, {Plain: phone}}}}, "x[1].items[2].plain"},
		{mid{Items: []leaf{{Plain: MaskText(phone)}}}, ""},
		{mid{Items: []leaf{{Plain: "电话13912345678"}}, Ptr: &leaf{}}, "x.items[0].plain"},
	}
	for _, c := range cases {
		if got := unmasked(reflect.ValueOf(c.v), "x", nil, nil); got != c.want {
			t.Errorf("%+v: %q, want %q", c.v, got, c.want)
		}
	}
	if got := unmasked(reflect.ValueOf(mid{Items: []leaf{{Plain: phone}}}), "x", []string{"13912345678"}, nil); got != "" {
		t.Errorf("a kept number is named: %q", got)
	}
}
