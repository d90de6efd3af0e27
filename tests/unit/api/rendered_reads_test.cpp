// RenderedReads: a card read's JSON is rendered once per card data and field
// selection, and never answers for other data or another selection.
#include "rendered_reads.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hcbridge::api {
namespace {

CardRead readOf(const std::string& reader, const std::string& surname) {
  PatientCard card;
  card.cardType = "vitale";
  Person holder;
  holder.surname = surname;
  card.beneficiaries.push_back(holder);
  return CardRead{std::make_shared<const CardModel>(card), std::nullopt, reader, "hash-" + surname};
}

class RenderedReadsTest : public ::testing::Test {
 protected:
  RenderedReadsTest() {
    reads_.cardInserted("A");
    reads_.cardInserted("B");
  }
  std::string body(const CardRead& read, const std::string& selection = "all") {
    return reads_.get(read, reads_.dropCount(), selection, render_)->body;
  }

  RenderedReads reads_;
  int renders_ = 0;
  RenderedReads::Render render_ = [this](const CardRead& read) {
    ++renders_;
    const auto& card = std::get<PatientCard>(*read.card);
    return RenderedRead{read.reader + ":" + card.beneficiaries.at(0).surname, {"beneficiaries"}};
  };
};

TEST_F(RenderedReadsTest, TheSameReadIsRenderedOnce) {
  EXPECT_EQ(body(readOf("A", "DUPONT")), "A:DUPONT");
  EXPECT_EQ(body(readOf("A", "DUPONT")), "A:DUPONT");
  EXPECT_EQ(renders_, 1);
  EXPECT_EQ(reads_.get(readOf("A", "DUPONT"), reads_.dropCount(), "all", render_)->fields,
            (std::vector<std::string>{"beneficiaries"}));
}

TEST_F(RenderedReadsTest, AnyChangeOfTheReadIsRenderedAgain) {
  CardRead read = readOf("A", "DUPONT");
  EXPECT_EQ(body(read), "A:DUPONT");
  // Same reader, same serial, one field changed (an eGK being updated).
  PatientCard changed = std::get<PatientCard>(*read.card);
  changed.beneficiaries[0].surname = "MARTIN";
  read.card = std::make_shared<const CardModel>(changed);
  EXPECT_EQ(body(read), "A:MARTIN");
  read.authenticity = PatientAuthenticity{PatientAuthenticity::Status::Verified, "ok", "x509"};
  body(read);
  read.authenticity->status = PatientAuthenticity::Status::Failed;
  body(read);
  EXPECT_EQ(renders_, 4);
}

TEST(CardReadEquality, ComparesTheCardDataNotWhereItIsHeld) {
  const CardRead read = readOf("A", "DUPONT");
  CardRead sameModel = read;  // shares the model
  EXPECT_EQ(sameModel.card, read.card);
  EXPECT_EQ(sameModel, read);
  EXPECT_EQ(readOf("A", "DUPONT"), read);  // another model with the same data
  EXPECT_NE(readOf("A", "MARTIN"), read);
  CardRead withoutCard = read;
  withoutCard.card = nullptr;
  EXPECT_NE(withoutCard, read);
  EXPECT_NE(read, withoutCard);
}

TEST_F(RenderedReadsTest, SelectionsAndReadersAreKeptApart) {
  EXPECT_EQ(body(readOf("A", "DUPONT"), "all"), "A:DUPONT");
  body(readOf("A", "DUPONT"), "only:insurer,");
  body(readOf("B", "MARTIN"), "all");
  EXPECT_EQ(renders_, 3);
  EXPECT_EQ(body(readOf("A", "DUPONT"), "all"), "A:DUPONT");
  EXPECT_EQ(body(readOf("B", "MARTIN"), "all"), "B:MARTIN");
  EXPECT_EQ(renders_, 3);
}

TEST_F(RenderedReadsTest, AnotherCardInTheReaderDropsTheFormerCardsRenderings) {
  body(readOf("A", "DUPONT"), "all");
  body(readOf("A", "DUPONT"), "only:insurer,");
  body(readOf("A", "MARTIN"), "all");
  body(readOf("A", "DUPONT"), "only:insurer,");  // the former card is back: rendered again
  EXPECT_EQ(renders_, 4);
}

TEST_F(RenderedReadsTest, ForgettingAReaderDropsOnlyItsBodies) {
  body(readOf("A", "DUPONT"), "all");
  body(readOf("A", "DUPONT"), "only:insurer,");
  body(readOf("B", "MARTIN"), "all");
  reads_.forget("A");
  EXPECT_EQ(reads_.size(), 1u);
  body(readOf("B", "MARTIN"), "all");
  EXPECT_EQ(renders_, 3);  // B's is still kept
  reads_.cardInserted("A");
  body(readOf("A", "DUPONT"), "all");
  EXPECT_EQ(renders_, 4);  // A's is rendered again
  reads_.forget("no such reader");
  EXPECT_EQ(reads_.size(), 2u);
  reads_.forgetAll();
  EXPECT_EQ(reads_.size(), 0u);
}

// A card pulled while its read was under way: the read may still bring back
// the card's data, to answer its caller, but that data is not kept. Any
// reader's event counts: the read may not know its reader when it starts.
TEST_F(RenderedReadsTest, AReadUnderWayWhenACardLeftIsAnsweredButNotKept) {
  for (const auto& leave : std::vector<std::function<void()>>{[this] { reads_.forget("A"); },
                                                              [this] { reads_.forget("B"); },
                                                              [this] { reads_.forgetAll(); }}) {
    reads_.cardInserted("A");
    reads_.cardInserted("B");
    const auto dropsBeforeRead = reads_.dropCount();
    leave();
    EXPECT_EQ(reads_.get(readOf("A", "DUPONT"), dropsBeforeRead, "all", render_)->body, "A:DUPONT");
    EXPECT_EQ(reads_.size(), 0u);
  }
  // A read started after the events is kept as before.
  reads_.cardInserted("A");
  EXPECT_EQ(body(readOf("A", "DUPONT")), "A:DUPONT");
  EXPECT_EQ(reads_.size(), 1u);
  EXPECT_EQ(renders_, 4);
}

// A card pulled before it was announced never gets a card.removed to drop
// its bodies: a read of it answers but keeps nothing.
TEST_F(RenderedReadsTest, ACardNotAnnouncedIsAnsweredButNotKept) {
  EXPECT_EQ(body(readOf("C", "DUPONT")), "C:DUPONT");
  EXPECT_EQ(body(readOf("C", "DUPONT")), "C:DUPONT");
  EXPECT_EQ(reads_.size(), 0u);
  EXPECT_EQ(renders_, 2);
  reads_.cardInserted("C");
  body(readOf("C", "DUPONT"));
  EXPECT_EQ(reads_.size(), 1u);
  reads_.forget("C");  // card.removed: the next card is not announced yet
  body(readOf("C", "MARTIN"));
  EXPECT_EQ(reads_.size(), 0u);
}

TEST_F(RenderedReadsTest, WhatRenderThrowsPassesThroughAndNothingIsKept) {
  int calls = 0;
  const RenderedReads::Render failing = [&calls](const CardRead&) -> RenderedRead {
    ++calls;
    throw std::invalid_argument("unknown field");
  };
  EXPECT_THROW(reads_.get(readOf("A", "DUPONT"), reads_.dropCount(), "only:shoeSize,", failing),
               std::invalid_argument);
  EXPECT_THROW(reads_.get(readOf("A", "DUPONT"), reads_.dropCount(), "only:shoeSize,", failing),
               std::invalid_argument);
  EXPECT_EQ(calls, 2);
}

TEST_F(RenderedReadsTest, ManySelectionsOrReadersDoNotGrowItWithoutBound) {
  // A caller choosing ever new selections only costs itself renderings.
  for (int i = 0; i < 1000; ++i) body(readOf("A", "DUPONT"), "only:f" + std::to_string(i) + ",");
  EXPECT_LE(reads_.size(), RenderedReads::kMaxSelections);
  for (int i = 0; i < 1000; ++i) {
    reads_.cardInserted("R" + std::to_string(i));
    body(readOf("R" + std::to_string(i), "DUPONT"));
  }
  EXPECT_LE(reads_.size(), RenderedReads::kMaxReaders);
  EXPECT_EQ(renders_, 2000);
  // Still correct after the clear-outs.
  EXPECT_EQ(body(readOf("R999", "DUPONT")), "R999:DUPONT");
  EXPECT_EQ(renders_, 2000);
}

}  // namespace
}  // namespace hcbridge::api
