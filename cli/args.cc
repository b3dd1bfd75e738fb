#include "cli/args.h"

namespace telguard::cli {

std::optional<Args> ParseArgs(int argc, char** argv, int first, const std::set<std::string>& with_value,
                              const std::set<std::string>& boolean, std::string* error) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (with_value.count(name)) {
        if (!value) {
          if (i + 1 >= argc) {
            *error = "option --" + name + " needs a value";
            return std::nullopt;
          }
          value = argv[++i];
        }
        a.values[name] = *value;
      } else if (boolean.count(name) && !value) {
        a.flags.insert(name);
      } else {
        *error = "unknown option --" + name;
        return std::nullopt;
      }
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

}  // namespace telguard::cli
