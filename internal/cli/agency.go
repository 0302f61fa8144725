package cli

// repairdesk agency show | set --name … --address … --phone … --contact … [--seal …]: the
// agency's details every letter carries (letterhead, contact, seal placeholder).

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

// agencyFieldMax bounds one detail (characters), so a letterhead stays a letterhead.
const agencyFieldMax = 100

func (a *app) agencyCmd() *cobra.Command {
	show := a.command("show", "agency_show")
	show.Args = a.noArgs
	show.RunE = a.run(func([]string) int { return a.agency(nil) })
	set := a.command("set", "agency_set")
	set.Args = a.noArgs
	f := set.Flags()
	vals := map[string]*string{}
	for _, k := range agencyFlags {
		vals[k] = f.String(k, "", a.t("flag.agency_"+k))
	}
	set.RunE = func(cmd *cobra.Command, _ []string) error {
		ch := map[string]string{}
		for _, k := range agencyFlags {
			if !cmd.Flags().Changed(k) {
				continue
			}
			v := strings.TrimSpace(*vals[k])
			if v != workflow.CleanLine(v) {
				return &usageErr{a.t("cli.agency_control", k)}
			}
			if n := utf8.RuneCountInString(v); n > agencyFieldMax {
				return &usageErr{a.t("cli.agency_too_long", k, n, agencyFieldMax)}
			}
			ch[k] = v
		}
		if len(ch) == 0 {
			return &usageErr{a.t("cli.agency_nothing")}
		}
		a.code = a.agency(ch)
		return nil
	}
	return a.group("agency", "agency", show, set)
}

var agencyFlags = []string{"name", "address", "phone", "contact", "seal"}

// SetAgency applies the flags given (name, address, phone, contact, seal; "" clears one).
func SetAgency(l *workflow.LetterSettings, ch map[string]string) {
	for k, v := range ch {
		switch k {
		case "name":
			l.Agency = v
		case "address":
			l.Address = v
		case "phone":
			l.Phone = v
		case "contact":
			l.Contact = v
		case "seal":
			l.Seal = v
		}
	}
}

// agency saves the changed details (when given), then shows the details in force and
// which ones letters still lack.
func (a *app) agency(ch map[string]string) int {
	st, done, ok := a.useStore(a.dbPath(), store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if ch != nil {
		err := st.UpdateSettings(a.admin(), func(s *store.Settings) error {
			SetAgency(&s.Letterhead, ch)
			return nil
		})
		if err != nil {
			return a.errf("agency", exitFail, messageIn(err, a.lang))
		}
		fmt.Fprintln(a.stdout, a.t("cli.agency_saved"))
	}
	l := st.Settings().Letterhead
	show := func(v string) string {
		if v == "" {
			return a.t("cli.agency_unset")
		}
		return workflow.CleanLine(v)
	}
	seal := l.Seal
	if seal == "" {
		seal = a.t("cli.agency_seal_default")
	}
	for _, row := range [][2]string{
		{"name", show(l.Agency)}, {"address", show(l.Address)}, {"phone", show(l.Phone)},
		{"contact", show(l.Contact)}, {"seal", workflow.CleanLine(seal)},
	} {
		fmt.Fprintf(a.stdout, "%s%s\n", a.t("cli.agency_"+row[0]), row[1])
	}
	if un := l.Unset(); len(un) > 0 {
		var names []string
		for _, k := range un {
			names = append(names, a.t("agency.field_"+k))
		}
		fmt.Fprintln(a.stdout, a.t("cli.agency_missing", strings.Join(names, a.t("cli.list_sep"))))
	}
	return exitOK
}
