// The atomic file write: new and replaced files get the content and the mode
// asked for, no temporary file is left behind, and every failure reaches the
// caller's locator with its step, leaving the folder as it was.
#include "hcbridge/base/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <string>

namespace hcbridge::base {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("hcbridge-atomic-file-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Records the fault and turns it into an Error.
  FileWriteLocator locator() {
    return [this](const FileWriteFault& fault) {
      fault_ = fault;
      return Error(Errc::Internal, std::string(fault.action()) + " the file");
    };
  }

  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path folder_;
  std::optional<FileWriteFault> fault_;
};

std::string contentOf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned modeOf(const fs::path& file) {
  struct stat status {};
  if (stat(file.c_str(), &status) != 0) return 0;
  return status.st_mode & 07777;
}

TEST_F(AtomicFileTest, WritesANewFileWithTheModeAsked) {
  const fs::path file = folder_ / "keys.json";
  writeFileAtomically(file, "{\"a\":1}\n", {.mode = 0600}, locator());
  EXPECT_EQ(contentOf(file), "{\"a\":1}\n");
  EXPECT_EQ(modeOf(file), 0600U);
  const fs::path shared = folder_ / "policies.json";
  const mode_t previous = umask(0077);  // the mode is set whatever the umask
  writeFileAtomically(shared, "{}", {.mode = 0644, .syncFolder = false}, locator());
  umask(previous);
  EXPECT_EQ(modeOf(shared), 0644U);
  EXPECT_EQ(entries(), (std::set<std::string>{"keys.json", "policies.json"}));  // no temporary
  EXPECT_FALSE(fault_.has_value());
}

TEST_F(AtomicFileTest, ReplacesAnExistingFileAndItsMode) {
  const fs::path file = folder_ / "keys.json";
  std::ofstream(file) << "old content, longer than the new one";
  ASSERT_EQ(chmod(file.c_str(), 0666), 0);
  writeFileAtomically(file, "new", {.mode = 0600}, locator());
  EXPECT_EQ(contentOf(file), "new");
  EXPECT_EQ(modeOf(file), 0600U);
  EXPECT_EQ(entries(), (std::set<std::string>{"keys.json"}));
  writeFileAtomically(file, "", {.mode = 0640}, locator());  // empty content
  EXPECT_EQ(contentOf(file), "");
  EXPECT_EQ(modeOf(file), 0640U);
  EXPECT_EQ(entries(), (std::set<std::string>{"keys.json"}));
}

TEST_F(AtomicFileTest, AMissingFolderFailsAndLeavesNothingBehind) {
  const fs::path file = folder_ / "missing" / "keys.json";
  try {
    writeFileAtomically(file, "secret", {}, locator());
    ADD_FAILURE() << "written";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::Internal);
    EXPECT_EQ(std::string(e.what()), "Cannot create a temporary file next to the file");
  }
  ASSERT_TRUE(fault_.has_value());
  EXPECT_EQ(fault_->step, FileWriteStep::CreateTemporary);
  EXPECT_EQ(fault_->error, ENOENT);
  EXPECT_TRUE(fault_->temporary.empty());
  EXPECT_TRUE(entries().empty());
}

TEST_F(AtomicFileTest, AFailedReplaceRemovesTheTemporaryFile) {
  // A folder (not empty) where the file should be: the rename fails.
  const fs::path file = folder_ / "policies.json";
  fs::create_directories(file / "inside");
  EXPECT_THROW(writeFileAtomically(file, "{}", {.mode = 0644}, locator()), Error);
  ASSERT_TRUE(fault_.has_value());
  EXPECT_EQ(fault_->step, FileWriteStep::Replace);
  EXPECT_NE(fault_->error, 0);
  EXPECT_EQ(fault_->temporary.parent_path(), folder_);
  EXPECT_FALSE(fs::exists(fault_->temporary));
  EXPECT_EQ(entries(), (std::set<std::string>{"policies.json"}));
  EXPECT_TRUE(fs::is_directory(file / "inside"));
}

TEST(FileWriteFaultTest, TheActionNamesTheStep) {
  FileWriteFault fault;
  fault.step = FileWriteStep::SetMode;
  EXPECT_EQ(fault.action(), "Cannot set the mode of");
  fault.step = FileWriteStep::Flush;
  EXPECT_EQ(fault.action(), "Cannot flush");
  fault.step = FileWriteStep::Replace;
  EXPECT_EQ(fault.action(), "Cannot replace");
}

}  // namespace
}  // namespace hcbridge::base
