// Single use of nonces, in memory and across processes through a file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "hcbridge/auth/crypto.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "support/temp_dir.hpp"

namespace hcbridge::testing {
namespace {

std::string lowerHex(const Bytes& bytes) {
  std::string hex = toHex(bytes);
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;
}

TEST(AuthNonceStore, MemoryStoreAcceptsEachNonceOnce) {
  auth::MemoryNonceStore store;
  EXPECT_TRUE(store.consume("a"));
  EXPECT_FALSE(store.consume("a"));
  EXPECT_TRUE(store.consume("b"));
  EXPECT_TRUE(store.consume(""));
  EXPECT_FALSE(store.consume(""));
}

TEST(AuthNonceStore, MemoryStoreUnderConcurrency) {
  auth::MemoryNonceStore store;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) accepted += store.consume(std::to_string(i)) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted, 200);
}

TEST(AuthNonceStore, TwoFileStoresOnOneFileRefuseTheSecondConsume) {
  TempDir dir;
  const auto file = dir / "nonces";
  auth::FileNonceStore first(file);
  auth::FileNonceStore second(file);
  EXPECT_TRUE(first.consume("nonce-1"));
  EXPECT_FALSE(second.consume("nonce-1"));
  EXPECT_TRUE(second.consume("nonce-2"));
  EXPECT_FALSE(first.consume("nonce-2"));
  // One SHA-256 hex per line, no nonce in clear, mode 0600.
  const std::string content = readFile(file);
  EXPECT_EQ(content, lowerHex(auth::sha256(std::string_view("nonce-1"))) + "\n" +
                         lowerHex(auth::sha256(std::string_view("nonce-2"))) + "\n");
  struct stat status {};
  ASSERT_EQ(::stat(file.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
}

TEST(AuthNonceStore, ProcessesRacingForOneNonceAcceptItOnce) {
  TempDir dir;
  const auto file = dir / "nonces";
  constexpr int kProcesses = 4;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auth::FileNonceStore store(file);
      int accepted = 0;
      for (int n = 0; n < 50; ++n) accepted += store.consume("n" + std::to_string(n)) ? 1 : 0;
      ::_exit(accepted);
    }
    children.push_back(child);
  }
  int total = 0;
  for (const pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    total += WEXITSTATUS(status);
  }
  EXPECT_EQ(total, 50);
}

TEST(AuthNonceStore, UnwritablePlaceIsAnErrorNamingIt) {
  TempDir dir;
  auth::FileNonceStore store(dir / "absent-folder" / "nonces");
  try {
    store.consume("x");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::Internal);
    EXPECT_NE(std::string(error.what()).find("absent-folder"), std::string::npos);
  }
}

}  // namespace
}  // namespace hcbridge::testing
