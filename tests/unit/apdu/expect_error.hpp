// EXPECT_ERRC(statement, Errc::X): the statement throws hcbridge::Error with
// that code (and a non-empty message).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hcbridge/error.hpp"

#define EXPECT_ERRC(statement, errc)                                           \
  do {                                                                         \
    try {                                                                      \
      statement;                                                               \
      ADD_FAILURE() << "expected hcbridge::Error(" << ::hcbridge::errcId(errc) \
                    << ") from: " #statement;                                  \
    } catch (const ::hcbridge::Error& error_) {                                \
      EXPECT_EQ(error_.code(), errc) << error_.what();                         \
      EXPECT_FALSE(std::string(error_.what()).empty());                        \
    }                                                                          \
  } while (false)
