// hcbridged's command line (Boost.Program_options): every option, repeated
// ones, and the usage errors main turns into exit code 2.
#include "daemon_options.hpp"

#include <gtest/gtest.h>

#include "hcbridge_test/expect_error.hpp"

namespace hcbridge::daemon {
namespace {

using hcbridge::testing::expectError;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DaemonCommandLine, ReadsEveryOption) {
  const auto line =
      parseOptions({"--listen", "9000", "--config=/tmp/c.json", "--simulate", "--allow-origin",
                    "http://a.example", "--allow-origin", "http://b.example"});
  EXPECT_EQ(line.listenPort, 9000);
  EXPECT_EQ(line.configFile, "/tmp/c.json");
  EXPECT_TRUE(line.simulate);
  EXPECT_EQ(line.allowOrigins, (std::vector<std::string>{"http://a.example", "http://b.example"}));
  EXPECT_FALSE(line.help);
  EXPECT_TRUE(parseOptions({"--help"}).help);
  EXPECT_TRUE(parseOptions({"--version"}).version);
  EXPECT_EQ(parseOptions({"--listen", "0"}).listenPort, 0);
}

TEST(DaemonCommandLine, RefusesWhatItDoesNotKnow) {
  expectError([] { parseOptions({"--listen", "http"}); }, Errc::BadRequest, "--listen 'http'");
  expectError([] { parseOptions({"--listen", "70000"}); }, Errc::BadRequest, "70000");
  expectError([] { parseOptions({"--listen"}); }, Errc::BadRequest, "needs a value");
  expectError([] { parseOptions({"--simulated"}); }, Errc::BadRequest, "'--simulated'");
}

TEST(DaemonCommandLine, UsageNamesTheDefaultPort) {
  EXPECT_NE(helpText().find("8732"), std::string::npos);
}

TEST(DaemonCommandLine, NothingGivenLeavesEverythingToTheConfigAndDefaults) {
  const auto line = parseOptions({});
  EXPECT_FALSE(line.listenPort);
  EXPECT_FALSE(line.configFile);
  EXPECT_FALSE(line.simulate);
  EXPECT_TRUE(line.allowOrigins.empty());
  EXPECT_FALSE(line.help);
  EXPECT_FALSE(line.version);
}

// The command lines of the unit file, the package test, scripts/demo.sh, the
// e2e harness and the integration tests' DaemonProcess.
TEST(DaemonCommandLine, ReadsTheCommandLinesThatStartIt) {
  EXPECT_EQ(parseOptions({"--config", "/etc/hcbridge/config.json"}).configFile,
            "/etc/hcbridge/config.json");
  const auto demo =
      parseOptions({"--simulate", "--listen", "8732", "--allow-origin", "http://localhost:8733"});
  EXPECT_TRUE(demo.simulate);
  EXPECT_EQ(demo.listenPort, 8732);
  EXPECT_EQ(demo.allowOrigins, std::vector<std::string>{"http://localhost:8733"});
  const auto test = parseOptions({"--listen", "0", "--config", "/tmp/t/config.json", "--simulate",
                                  "--allow-origin", "https://app.example"});
  EXPECT_EQ(test.listenPort, 0);
  EXPECT_EQ(test.configFile, "/tmp/t/config.json");
  EXPECT_TRUE(test.simulate);
  EXPECT_EQ(test.allowOrigins, std::vector<std::string>{"https://app.example"});
}

TEST(DaemonCommandLine, TakesAPkcs11ModuleButNotAnOptionAsIts) {
  EXPECT_EQ(parseOptions({"--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so"}).pkcs11Module,
            "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_FALSE(parseOptions({}).pkcs11Module);
  expectError(
      [] {
        parseOptions({"--pkcs11-module", "--simulate"});
      },
      Errc::BadRequest, "--pkcs11-module needs a value");
}

TEST(DaemonCommandLine, TakesValuesAfterAnEqualsSignToo) {
  const auto line = parseOptions({"--listen=8800", "--allow-origin=http://a.example",
                                  "--allow-origin", "http://b.example", "--config", "c.json"});
  EXPECT_EQ(line.listenPort, 8800);
  EXPECT_EQ(line.configFile, "c.json");
  EXPECT_EQ(line.allowOrigins, (std::vector<std::string>{"http://a.example", "http://b.example"}));
}

TEST(DaemonCommandLine, HelpAndVersionAreFlagsThatTheOtherOptionsDoNotHide) {
  EXPECT_TRUE(parseOptions({"-h"}).help);
  const auto line = parseOptions({"--simulate", "--help", "--listen", "1"});
  EXPECT_TRUE(line.help);
  EXPECT_TRUE(line.simulate);
  EXPECT_EQ(line.listenPort, 1);
  EXPECT_FALSE(line.version);
  EXPECT_TRUE(parseOptions({"--config", "c.json", "--version"}).version);
  // A wrong option is still refused: --help does not make a typo pass.
  expectError([] { parseOptions({"--help", "--simulted"}); }, Errc::BadRequest, "'--simulted'");
}

TEST(DaemonCommandLine, AMissingValueNamesItsOptionAndPointsToHelp) {
  for (const char* option : {"--listen", "--config", "--allow-origin"}) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{option}, std::vector<std::string>{option, "--simulate"},
          std::vector<std::string>{option, "-h"}, std::vector<std::string>{option, "--listen=1"},
          std::vector<std::string>{std::string(option) + "="}}) {
      try {
        parseOptions(args);
        ADD_FAILURE() << args.front() << " without a value was taken";
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), Errc::BadRequest);
        EXPECT_EQ(std::string(error.what()), std::string(option) + " needs a value")
            << args.front();
        EXPECT_EQ(error.hint(), "See hcbridged --help.");
      }
    }
  }
}

TEST(DaemonCommandLine, AnUnknownOptionOrArgumentIsNamedAndPointsToHelp) {
  for (const std::string argument : {"--simulated", "--listen-port", "-x", "config.json"}) {
    try {
      parseOptions({"--simulate", argument});
      ADD_FAILURE() << argument << " was taken";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest);
      EXPECT_EQ(std::string(error.what()), "unknown argument '" + argument + "'");
      EXPECT_EQ(error.hint(), "See hcbridged --help.");
    }
  }
}

// An abbreviation would silently change meaning once an option with the same
// beginning is added; the old parser took none either.
TEST(DaemonCommandLine, AbbreviationsAreNotGuessed) {
  expectError([] { parseOptions({"--sim"}); }, Errc::BadRequest, "unknown argument '--sim'");
  expectError(
      [] {
        parseOptions({"--allow", "http://a.example"});
      },
      Errc::BadRequest, "unknown argument '--allow'");
}

TEST(DaemonCommandLine, AnOptionThatTakesOneValueIsGivenOnce) {
  expectError(
      [] {
        parseOptions({"--listen", "1", "--listen", "2"});
      },
      Errc::BadRequest, "'--listen'");
  expectError(
      [] {
        parseOptions({"--config", "a.json", "--config=b.json"});
      },
      Errc::BadRequest, "'--config'");
}

TEST(DaemonCommandLine, APortIsADecimalNumberUpTo65535) {
  EXPECT_EQ(parseOptions({"--listen", "65535"}).listenPort, 65535);
  for (const char* text : {"65536", "-1", "80x", "0x50", "", " 80"}) {
    try {
      parseOptions({"--listen", text});
      ADD_FAILURE() << "'" << text << "' was taken as a port";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest);
      EXPECT_TRUE(contains(error.what(), "is not a port number")) << error.what();
      EXPECT_TRUE(contains(error.hint(), "--listen 8732")) << error.hint();
    }
  }
}

// issue 14: "--allow-origin null" was taken, and then every sandboxed iframe
// (Origin: null) was admitted. The option gets config's allowed_origins check.
TEST(DaemonCommandLine, AnAllowedOriginIsCheckedLikeTheConfigsAllowedOrigins) {
  for (const std::string origin :
       {"null", "https://a.example/x", "a.example", "*", "http://a.example/", "HTTPS://A.EXAMPLE",
        "file://", "https://a.example:443", "https://user@a.example"}) {
    try {
      parseOptions({"--allow-origin", "https://ok.example", "--allow-origin", origin});
      ADD_FAILURE() << "--allow-origin '" << origin << "' was taken";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::BadRequest) << origin;
      EXPECT_TRUE(contains(error.what(), "--allow-origin: The origin '" + origin + "'"))
          << error.what();
      EXPECT_TRUE(contains(error.hint(), "See hcbridged --help.")) << error.hint();
    }
    // The config file refuses exactly the same ones.
    const std::string config = R"({"allowed_origins": [")" + origin + R"("]})";
    EXPECT_THROW(parseConfig(config, "/etc/hcbridge/config.json"), Error) << origin;
  }
  for (const std::string origin : {"http://records.intranet", "https://a.example:8443",
                                   "http://[::1]:3000", "http://127.0.0.1:5173"}) {
    EXPECT_EQ(parseOptions({"--allow-origin", origin}).allowOrigins,
              std::vector<std::string>{origin});
    EXPECT_EQ(parseConfig(R"({"allowed_origins": [")" + origin + R"("]})", "c.json").allowedOrigins,
              std::vector<std::string>{origin});
  }
}

TEST(DaemonCommandLine, HelpListsEveryOptionWithItsValueAndDefaults) {
  const std::string help = helpText();
  EXPECT_TRUE(contains(help,
                       "Usage: hcbridged [--listen PORT] [--config FILE] [--simulate] "
                       "[--allow-origin ORIGIN]... [--pkcs11-module PATH]\n"))
      << help;
  for (const char* line :
       {"--listen PORT", "--config FILE", "--simulate", "--allow-origin ORIGIN",
        "--pkcs11-module PATH", "practitioner_pkcs11", "--version", "--help",
        "/etc/hcbridge/config.json", "(repeatable)", "$XDG_STATE_HOME/hcbridge", "SIGHUP"}) {
    EXPECT_TRUE(contains(help, line)) << line << " not in\n" << help;
  }
  // Two spaces after the longest option: help2man makes the man page from this.
  EXPECT_TRUE(contains(help, "\n  --allow-origin ORIGIN  also allow")) << help;
  // The hidden positional "argument" is how stray words are caught, not an option.
  EXPECT_FALSE(contains(help, "--argument")) << help;
}

}  // namespace
}  // namespace hcbridge::daemon
