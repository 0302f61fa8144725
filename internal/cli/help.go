package cli

// Help in the user's language: cobra's help and usage are rendered here rather than from
// its English templates, and the commands cobra adds (help, completion) are translated.

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// localise makes every command speak the user's language: help, usage, the help and
// completion commands cobra adds, and the --help flag.
func (a *app) localise(root *cobra.Command) {
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { a.help(a.stdout, cmd) })
	root.SetUsageFunc(func(cmd *cobra.Command) error {
		io.WriteString(a.stderr, a.usageText(cmd))
		return nil
	})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableFlagsInUseLine = true
		c.Flags().BoolP("help", "h", false, a.t("flag.help"))
		switch c.CommandPath() {
		case "repairdesk help":
			c.Short, c.Long = a.t("cmd.help.short"), ""
			c.Use = a.t("cmd.help.use")
		case "repairdesk completion":
			c.Short, c.Long = a.t("cmd.completion.short"), a.t("cmd.completion.long")
			c.Use = a.t("cmd.completion.use")
		}
		if c.HasParent() && c.Parent().Name() == "completion" {
			c.Short = a.t("cmd.completion.shell", c.Name())
			c.Long = a.t("cmd.completion.shell_long", c.Name())
			if f := c.Flags().Lookup("no-descriptions"); f != nil {
				f.Usage = a.t("flag.no_descriptions")
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}

// help is what --help and `repairdesk help [COMMAND]` print.
func (a *app) help(w io.Writer, cmd *cobra.Command) {
	if d := strings.TrimSpace(cmd.Long); d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	} else if cmd.Short != "" {
		fmt.Fprintf(w, "%s\n\n", cmd.Short)
	}
	io.WriteString(w, a.usageText(cmd))
}

// usageText: the usage line, the subcommands, the command's own flags and those every
// command shares.
func (a *app) usageText(cmd *cobra.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  %s\n", a.t("help.usage"), cmd.UseLine())
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "  %s %s\n", cmd.CommandPath(), a.t("help.command_word"))
		fmt.Fprintf(&b, "\n%s\n", a.t("help.commands"))
		width := 0
		for _, s := range cmd.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				width = max(width, len(s.Name()))
			}
		}
		for _, s := range cmd.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				fmt.Fprintf(&b, "  %-*s  %s\n", width, s.Name(), s.Short)
			}
		}
	}
	if cmd.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\n%s\n%s", a.t("help.flags"), a.flagLines(cmd.LocalFlags()))
	}
	if cmd.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\n%s\n%s", a.t("help.global_flags"), a.flagLines(cmd.InheritedFlags()))
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n%s\n", a.t("help.more", cmd.CommandPath()))
	}
	return b.String()
}

// flagLines lists flags as pflag would, with the value's name and the default in the
// user's language: "      --db 路径     数据库文件".
func (a *app) flagLines(fs *pflag.FlagSet) string {
	type line struct{ left, right string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		name, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() == "bool" {
			name = ""
		}
		if name != "" {
			left += " " + name
		}
		if f.Name == "help" {
			usage = a.t("flag.help")
		}
		switch f.DefValue {
		case "", "false", "0", "0s", "[]":
		default:
			usage += a.t("help.default", f.DefValue)
		}
		lines = append(lines, line{left, usage})
		width = max(width, runewidth.StringWidth(left))
	})
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s%s   %s\n", l.left, strings.Repeat(" ", width-runewidth.StringWidth(l.left)), l.right)
	}
	return b.String()
}
