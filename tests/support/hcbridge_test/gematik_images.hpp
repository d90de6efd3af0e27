// The published gematik card images live outside the repository
// (../shared/reference-cards/gematik, path given by HCBRIDGE_GEMATIK_IMAGES).
// Tests that need them are skipped, saying why, where the folder is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#ifndef HCBRIDGE_GEMATIK_IMAGES
#error "HCBRIDGE_GEMATIK_IMAGES must name the gematik card images folder"
#endif

namespace hcbridge::testing {

inline bool gematikImagesPresent() {
  return std::filesystem::is_directory(HCBRIDGE_GEMATIK_IMAGES);
}

#define HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES()                                  \
  if (!::hcbridge::testing::gematikImagesPresent())                             \
  GTEST_SKIP() << "the gematik card images are not in " HCBRIDGE_GEMATIK_IMAGES \
                  " (copy or mount ../shared/reference-cards/gematik next to the checkout)"

// Base of test fixtures whose every test reads a gematik image.
template <typename Base = ::testing::Test>
class GematikImagesTest : public Base {
 protected:
  void SetUp() override { HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES(); }
};

}  // namespace hcbridge::testing
