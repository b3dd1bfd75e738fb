// The man page and the shell completions, generated from the same CLI11
// definitions that print --help (cli/app.h), so they cannot disagree.
#include <algorithm>
#include <string>
#include <vector>

#include "cli/app.h"

namespace telguard::cli {
namespace {

// The commands that run something ("help" is documented on its own).
std::vector<const CLI::App*> Commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* c) { return c->get_name() != "help"; });
}

std::vector<const CLI::Option*> Options(const CLI::App& c) {
  return c.get_options([](const CLI::Option*) { return true; });
}

bool IsFlag(const CLI::Option* o) { return o->get_expected_max() == 0; }

// The type name as declared ("md|json"), without what a validator appends
// after a colon (":{md,json}").
std::string TypeName(const CLI::Option* o) {
  const std::string t = o->get_type_name();
  return t.substr(0, t.find(':'));
}

// The values an option takes, from its type name: "md|json" is a list,
// PATH a file, DIR a directory; anything else free text.
std::vector<std::string> Choices(const CLI::Option* o) {
  const std::string t = TypeName(o);
  if (t.find('|') == std::string::npos || t.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) return {};
  std::vector<std::string> out;
  std::size_t b = 0;
  for (std::size_t e; (e = t.find('|', b)) != std::string::npos; b = e + 1) out.push_back(t.substr(b, e - b));
  out.push_back(t.substr(b));
  return out;
}

std::string Roff(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '-') {
      out += "\\-";
    } else {
      out += ch;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// Roff for a multi-line text: one paragraph per line.
std::string RoffLines(const std::string& s) {
  std::string out;
  std::size_t b = 0;
  while (b <= s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string::npos) e = s.size();
    out += Roff(s.substr(b, e - b)) + "\n.br\n";
    b = e + 1;
  }
  return out;
}

std::string ShellWords(const CLI::App& c) {
  std::string w;
  for (const CLI::Option* o : Options(c)) {
    if (o->get_positional()) {
      for (const auto& v : Choices(o)) w += v + " ";
      continue;
    }
    for (const auto& s : o->get_snames()) w += "-" + s + " ";
    for (const auto& l : o->get_lnames()) w += "--" + l + " ";
  }
  if (!w.empty()) w.pop_back();
  return w;
}

std::string ZshQuote(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\'') {
      out += "'\\''";
    } else if (ch == '[' || ch == ']' || ch == ':') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string ManPage(const CLI::App& app) {
  std::string m = ".TH TELGUARD 1 \"\" \"telguard " TELGUARD_VERSION_STRING "\" \"User Commands\"\n";
  m += ".SH NAME\ntelguard \\- " + Roff(app.get_description().substr(app.get_description().find(':') + 2)) + "\n";
  m += ".SH SYNOPSIS\n.B telguard\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.br\n.B telguard\n\\-\\-version | \\-\\-help\n";
  m += ".br\n.B telguard help\n\\fICOMMAND\\fR\n";
  m += ".SH DESCRIPTION\n" + Roff(app.get_description()) +
       ". Every command reads events (one JSON object per line) or text, and writes only what its policy lets "
       "through; errors name the line and the reason, never the content.\n";
  m += ".SH COMMANDS\n";
  for (const CLI::App* c : Commands(app)) {
    std::string synopsis = "telguard " + c->get_name();
    for (const CLI::Option* o : Options(*c)) {
      if (o->get_positional()) synopsis += " " + TypeName(o);
    }
    m += ".SS \"" + Roff(synopsis) + (Options(*c).size() > 1 ? " [OPTIONS]" : "") + "\"\n";
    m += Roff(c->get_description()) + "\n";
    for (const CLI::Option* o : Options(*c)) {
      if (o->get_positional()) continue;
      m += ".TP\n.B " + Roff(o->get_name(false, true));
      if (!IsFlag(o)) m += " \\fI" + Roff(TypeName(o)) + "\\fR";
      m += "\n" + Roff(o->get_description()) + "\n";
    }
  }
  m += ".SH \"EXIT STATUS\"\n" + RoffLines(app.get_footer());
  m += ".SH \"SEE ALSO\"\nThe README and SECURITY.md shipped with telguard.\n";
  return m;
}

std::string BashCompletion(const CLI::App& app) {
  std::string commands = "--help --version help";
  std::string per_command, values;
  std::vector<std::string> seen;
  for (const CLI::App* c : Commands(app)) {
    commands += " " + c->get_name();
    per_command += "    " + c->get_name() + ") words='" + ShellWords(*c) + "' ;;\n";
    for (const CLI::Option* o : Options(*c)) {
      if (o->get_positional() || IsFlag(o) || o->get_lnames().empty()) continue;
      const std::string name = "--" + o->get_lnames().front();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      const std::string t = TypeName(o);
      std::string action;
      if (auto ch = Choices(o); !ch.empty()) {
        std::string w;
        for (const auto& v : ch) w += (w.empty() ? "" : " ") + v;
        action = "COMPREPLY=($(compgen -W '" + w + "' -- \"$cur\"))";
      } else if (t.rfind("PATH", 0) == 0) {
        action = "COMPREPLY=($(compgen -f -- \"$cur\"))";
      } else if (t == "DIR") {
        action = "COMPREPLY=($(compgen -d -- \"$cur\"))";
      } else {
        action = "COMPREPLY=()";
      }
      values += "    " + name + ") " + action + "; return ;;\n";
    }
  }
  std::string s =
      "# bash completion for telguard; generated from its --help definitions.\n"
      "_telguard() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words\n"
      "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
      "    COMPREPLY=($(compgen -W '" + commands + "' -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  case \"$prev\" in\n" + values +
      "  esac\n"
      "  case \"${COMP_WORDS[1]}\" in\n" + per_command +
      "    help) words='" + commands.substr(commands.find("help ") + 5) + "' ;;\n"
      "    *) words='' ;;\n"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "}\n"
      "complete -F _telguard telguard\n";
  return s;
}

std::string ZshCompletion(const CLI::App& app) {
  std::string described, per_command;
  for (const CLI::App* c : Commands(app)) {
    described += "    '" + ZshQuote(c->get_name()) + ":" + ZshQuote(c->get_description()) + "'\n";
    per_command += "    " + c->get_name() + ")\n      _arguments";
    for (const CLI::Option* o : Options(*c)) {
      std::string action;
      if (auto ch = Choices(o); !ch.empty()) {
        action = "(";
        for (const auto& v : ch) action += (action.size() > 1 ? " " : "") + v;
        action += ")";
      } else if (TypeName(o) == "DIR") {
        action = "_directories";
      } else if (TypeName(o).rfind("PATH", 0) == 0) {
        action = "_files";
      }
      if (o->get_positional()) {
        per_command += " \\\n        ':" + ZshQuote(TypeName(o)) + ":" + action + "'";
        continue;
      }
      std::vector<std::string> names;
      for (const auto& s : o->get_snames()) names.push_back("-" + s);
      for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      for (const auto& n : names) {
        per_command += " \\\n        '" + n + "[" + ZshQuote(o->get_description()) + "]";
        if (!IsFlag(o)) per_command += ":" + ZshQuote(TypeName(o)) + ":" + action;
        per_command += "'";
      }
    }
    per_command += " ;;\n";
  }
  return "#compdef telguard\n"
         "# zsh completion for telguard; generated from its --help definitions.\n"
         "_telguard() {\n"
         "  local -a commands\n"
         "  commands=(\n" + described +
         "    'help:print the help of telguard or of one command'\n"
         "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    _describe 'command' commands\n"
         "    _arguments '--version[print the version and exit]' '--help[print help]'\n"
         "    return\n"
         "  fi\n"
         "  local cmd=$words[2]\n"
         "  shift words\n"
         "  (( CURRENT-- ))\n"
         "  case $cmd in\n" + per_command +
         "    help) _describe 'command' commands ;;\n"
         "  esac\n"
         "}\n"
         "_telguard \"$@\"\n";
}

}  // namespace telguard::cli
