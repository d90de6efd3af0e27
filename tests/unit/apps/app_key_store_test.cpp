#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <regex>

#include "apdu/expect_error.hpp"
#include "hcbridge/app_keys.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

unsigned modeOf(const std::filesystem::path& file) {
  struct stat info {};
  EXPECT_EQ(stat(file.c_str(), &info), 0);
  return info.st_mode & 07777;
}

std::string sha256Hex(const std::string& text) {
  unsigned char digest[32];
  std::size_t length = 0;
  EVP_Q_digest(nullptr, "SHA256", nullptr, text.data(), text.size(), digest, &length);
  std::string hex;
  char pair[3];
  for (const unsigned char byte : digest) {
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  return hex;
}

std::size_t filesIn(const std::filesystem::path& folder) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(folder), {}));
}

TEST(AppKeyStore, AddedKeyAuthenticatesAsItsApplication) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string key = store.add("pharmacy-pos");
  EXPECT_TRUE(std::regex_match(key, std::regex("hcb_[A-Za-z0-9_-]{43}"))) << key;
  EXPECT_EQ(store.authenticate(key), "pharmacy-pos");
  EXPECT_EQ(AppKeyStore::open(dir / "keys.json").authenticate(key), "pharmacy-pos");
}

TEST(AppKeyStore, EachKeyIsDifferentAndNamesItsOwnApplication) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string first = store.add("first");
  const std::string second = store.add("second");
  EXPECT_NE(first, second);
  EXPECT_EQ(store.authenticate(first), "first");
  EXPECT_EQ(store.authenticate(second), "second");
}

TEST(AppKeyStore, WrongEmptyOrTruncatedKeysDoNotAuthenticate) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string key = store.add("pos");
  std::string altered = key;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& wrong :
       {std::string(), std::string("hcb_"), key.substr(0, key.size() - 1), key + "A", altered,
        key.substr(4), " " + key, std::string("Bearer ") + key}) {
    EXPECT_EQ(store.authenticate(wrong), std::nullopt) << wrong;
  }
  TempDir other;
  const std::string foreign = AppKeyStore::open(other / "keys.json").add("pos");
  EXPECT_EQ(store.authenticate(foreign), std::nullopt);
}

TEST(AppKeyStore, FileHoldsTheHashButNeverTheKey) {
  TempDir dir;
  const std::string key = AppKeyStore::open(dir / "keys.json").add("pos");
  const std::string content = readFile(dir / "keys.json");
  EXPECT_EQ(content.find(key), std::string::npos);
  EXPECT_EQ(content.find(key.substr(4)), std::string::npos);
  EXPECT_NE(content.find(sha256Hex(key)), std::string::npos) << content;
}

TEST(AppKeyStore, ListShowsNameCreationTimeAndFingerprint) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string key = store.add("pos");
  store.add("lab.client_2");
  const auto apps = AppKeyStore::open(dir / "keys.json").list();
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].name, "pos");
  EXPECT_EQ(apps[1].name, "lab.client_2");
  EXPECT_EQ(apps[0].fingerprint, sha256Hex(key).substr(0, 8));
  EXPECT_TRUE(std::regex_match(apps[0].created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << apps[0].created;
}

TEST(AppKeyStore, RemoveRevokesTheKey) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string removed = store.add("old");
  const std::string kept = store.add("kept");
  EXPECT_TRUE(store.remove("old"));
  EXPECT_EQ(store.authenticate(removed), std::nullopt);
  EXPECT_EQ(store.authenticate(kept), "kept");
  const auto reopened = AppKeyStore::open(dir / "keys.json");
  EXPECT_EQ(reopened.authenticate(removed), std::nullopt);
  EXPECT_EQ(reopened.list().size(), 1u);
  EXPECT_FALSE(store.remove("old"));
}

TEST(AppKeyStore, DuplicateNameIsRefusedWithAHint) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  const std::string key = store.add("pos");
  try {
    store.add("pos");
    FAIL() << "added a second key under the same name";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::BadRequest);
    EXPECT_NE(error.hint().find("hcbridge apps remove pos"), std::string::npos) << error.hint();
  }
  EXPECT_EQ(store.authenticate(key), "pos");
  EXPECT_EQ(AppKeyStore::open(dir / "keys.json").list().size(), 1u);
}

TEST(AppKeyStore, InvalidNamesAreRefused) {
  TempDir dir;
  auto store = AppKeyStore::open(dir / "keys.json");
  for (const std::string& name :
       {std::string(), std::string(65, 'a'), std::string("a b"), std::string("caf\xC3\xA9"),
        std::string("../x"), std::string("a/b"), std::string("x\n")}) {
    EXPECT_ERRC(store.add(name), Errc::BadRequest);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.json"));
  EXPECT_NO_THROW(store.add(std::string(64, 'a')));
  EXPECT_NO_THROW(store.add("A.b_c-9"));
}

TEST(AppKeyStore, MissingFileIsAnEmptyStoreAndIsNotCreatedByReading) {
  TempDir dir;
  const auto store = AppKeyStore::open(dir / "keys.json");
  EXPECT_TRUE(store.list().empty());
  EXPECT_EQ(store.authenticate("hcb_x"), std::nullopt);
  EXPECT_FALSE(std::filesystem::exists(dir / "keys.json"));
}

TEST(AppKeyStore, FileIsAlwaysPrivateAndNoTemporaryFileIsLeft) {
  TempDir dir;
  const auto file = dir / "keys.json";
  const mode_t previous = umask(0);
  AppKeyStore::open(file).add("one");
  umask(previous);
  EXPECT_EQ(modeOf(file), 0600u);
  chmod(file.c_str(), 0644);
  AppKeyStore::open(file).add("two");
  EXPECT_EQ(modeOf(file), 0600u);
  EXPECT_EQ(filesIn(dir.path()), 1u);
}

TEST(AppKeyStore, RootGivesANewFileToTheFoldersOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir dir;
  ASSERT_EQ(chown(dir.path().c_str(), 4321, 4322), 0);
  AppKeyStore::open(dir / "keys.json").add("pos");
  struct stat info {};
  ASSERT_EQ(stat((dir / "keys.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 4321u);
  EXPECT_EQ(info.st_gid, 4322u);
}

TEST(AppKeyStore, MalformedFilesAreErrorsNamingTheFile) {
  TempDir dir;
  const auto file = dir / "keys.json";
  const std::string good = R"({"name":"pos","sha256":")" + std::string(64, 'a') +
                           R"(","created":"2024-01-01T00:00:00Z"})";
  for (const std::string& content : std::vector<std::string>{
           "not json", "[]", R"({"version":2,"apps":[]})", R"({"version":"1","apps":[]})",
           R"({"version":1})", R"({"version":1,"apps":[1]})",
           R"({"version":1,"apps":[{"name":"pos","sha256":"abc","created":"x"}]})",
           R"({"version":1,"apps":[{"name":"a b","sha256":")" + std::string(64, 'a') +
               R"(","created":"x"}]})",
           R"({"version":1,"apps":[{"sha256":")" + std::string(64, 'a') + R"(","created":"x"}]})",
           R"({"version":1,"apps":[)" + good + "," + good + "]}"}) {
    writeFile(file, content);
    try {
      AppKeyStore::open(file);
      ADD_FAILURE() << "accepted: " << content;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), Errc::Internal) << content;
      EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << error.what();
      EXPECT_FALSE(error.hint().empty());
    }
  }
  writeFile(file, R"({"version":1,"apps":[)" + good + "]}");
  EXPECT_EQ(AppKeyStore::open(file).list().size(), 1u);
}

TEST(AppKeyStore, MissingFolderIsAnErrorNamingTheFile) {
  auto store = AppKeyStore::open("/nonexistent-folder-hcbridge/keys.json");
  try {
    store.add("pos");
    FAIL() << "wrote into a folder that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::Internal);
    EXPECT_NE(std::string(error.what()).find("/nonexistent-folder-hcbridge/keys.json"),
              std::string::npos);
  }
  EXPECT_TRUE(store.list().empty());
}

}  // namespace
}  // namespace hcbridge::testing
