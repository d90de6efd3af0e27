#include "gematik_rules.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace hcbridge::sim::gematik {
namespace {

constexpr int kMaxRuleDepth = 32;

AccessRule combine(AccessRule::Kind kind, std::vector<AccessRule> operands) {
  const bool isAnd = kind == AccessRule::Kind::And;
  const AccessRule::Kind absorbing = isAnd ? AccessRule::Kind::Never : AccessRule::Kind::Always;
  const AccessRule::Kind neutral = isAnd ? AccessRule::Kind::Always : AccessRule::Kind::Never;
  std::vector<AccessRule> kept;
  for (auto& operand : operands) {
    if (operand.kind == absorbing) return operand;
    if (operand.kind != neutral) kept.push_back(std::move(operand));
  }
  if (kept.empty()) return isAnd ? AccessRule::always() : AccessRule::never();
  if (kept.size() == 1) return std::move(kept.front());
  return AccessRule{kind, 0, std::move(kept)};
}

struct RuleSet {  // one [lifecycle, SE, {...}] of the contact interface
  std::string lifeCycle;
  std::optional<int> securityEnvironment;  // nullopt = "??"
  std::vector<RuleEntry> entries;
};

class RuleParser {
 public:
  RuleParser(std::string_view text, std::string where) : text_(text), where_(std::move(where)) {}

  // The rule sets of the contact interface (CB); contactless (CL) ones are
  // parsed and dropped.
  std::vector<RuleSet> parse() {
    std::vector<RuleSet> contact;
    skipSpace();
    if (atEnd()) return contact;
    do {
      const std::string interface = identifier();
      expect('{');
      std::vector<RuleSet> sets;
      if (!peek('}')) {
        do {
          sets.push_back(ruleSet());
        } while (accept(','));
      }
      expect('}');
      if (interface == "CB") {
        contact.insert(contact.end(), sets.begin(), sets.end());
      } else if (interface != "CL") {
        error("unknown interface '" + interface + "'");
      }
    } while (accept(','));
    skipSpace();
    if (!atEnd()) error("unexpected text");
    return contact;
  }

 private:
  RuleSet ruleSet() {
    RuleSet set;
    expect('[');
    set.lifeCycle = identifier();
    expect(',');
    const std::string se = token();
    if (se != "??") {
      if (se.empty() || se.size() > 3 ||
          !std::all_of(se.begin(), se.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error("bad security environment '" + se + "'");
      }
      set.securityEnvironment = std::stoi(se);
    }
    expect(',');
    expect('{');
    if (!peek('}')) {
      do {
        set.entries.push_back(entry());
      } while (accept(','));
    }
    expect('}');
    expect(']');
    return set;
  }

  RuleEntry entry() {
    RuleEntry entry;
    expect('(');
    expect('{');
    do {
      entry.commands.push_back(command());
    } while (accept(','));
    expect('}');
    expect(',');
    entry.condition = condition(0);
    expect(')');
    return entry;
  }

  CommandPattern command() {
    CommandPattern pattern{};
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) {
        expect('|');
        expect('|');
      }
      skipSpace();
      if (pos_ + 2 > text_.size()) error("truncated command");
      const char a = text_[pos_];
      const char b = text_[pos_ + 1];
      pos_ += 2;
      if (a == '?' && b == '?') {
        pattern[i] = -1;
      } else if (hexDigit(a) >= 0 && hexDigit(b) >= 0) {
        pattern[i] = hexDigit(a) * 16 + hexDigit(b);
      } else {
        error("bad command byte");
      }
    }
    return pattern;
  }

  AccessRule condition(int depth) {
    if (depth > kMaxRuleDepth) error("conditions nested too deeply");
    const std::string name = identifier();
    if (name == "AND" || name == "OR") {
      expect('{');
      std::vector<AccessRule> operands;
      do {
        operands.push_back(condition(depth + 1));
      } while (accept(','));
      expect('}');
      return combine(name == "AND" ? AccessRule::Kind::And : AccessRule::Kind::Or,
                     std::move(operands));
    }
    std::string argument;
    if (accept('(')) {
      const std::size_t start = pos_;
      const std::size_t close = text_.find(')', pos_);
      if (close == std::string_view::npos) error("missing ')'");
      argument = trimmed(text_.substr(start, close - start));
      pos_ = close + 1;
    }
    if (name == "ALW") return AccessRule::always();
    if (name == "PWD") {
      const auto ref = hexBytes(argument);
      if (!ref || ref->size() != 1) error("PWD needs a one-byte reference");
      return AccessRule::pin((*ref)[0]);
    }
    // NEV, secure messaging (SMMAC, SMCMDENC, SMRSPENC), role authentication
    // (AUTCHAT) and anything else: never met by the simulator.
    return AccessRule::never();
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) error(std::string("expected '") + c + "'");
  }
  // Letters, digits, '_' and '?'.
  std::string token() {
    skipSpace();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_' || text_[pos_] == '?')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string identifier() {
    std::string name = token();
    if (name.empty()) error("expected a name");
    return name;
  }
  [[noreturn]] void error(const std::string& what) const {
    fail(where_ + "/accessRules", what + " at character " + std::to_string(pos_));
  }

  std::string_view text_;
  std::string where_;
  std::size_t pos_ = 0;
};

}  // namespace

ObjectRules::ObjectRules(const Attributes& attributes) {
  const auto text = attributes.text("accessRules");
  if (!text) return;
  const std::string lifeCycle = attributes.string("lifeCycleStatus");
  for (auto& set : RuleParser(*text, attributes.where()).parse()) {
    if (!lifeCycle.empty() && set.lifeCycle != lifeCycle) continue;
    if (set.securityEnvironment && *set.securityEnvironment != 1) continue;
    entries_.insert(entries_.end(), set.entries.begin(), set.entries.end());
  }
}

AccessRule ObjectRules::ruleFor(const CommandPattern& command) const {
  std::vector<AccessRule> allowed;
  for (const auto& entry : entries_) {
    const bool matches = std::any_of(
        entry.commands.begin(), entry.commands.end(), [&](const CommandPattern& pattern) {
          for (std::size_t i = 0; i < 4; ++i) {
            if (pattern[i] >= 0 && command[i] >= 0 && pattern[i] != command[i]) return false;
          }
          return true;
        });
    if (matches) allowed.push_back(entry.condition);
  }
  return combine(AccessRule::Kind::Or, std::move(allowed));
}

}  // namespace hcbridge::sim::gematik
