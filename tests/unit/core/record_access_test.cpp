// The patient claim comes from the id the card's driver typed; the core
// applies one rule to every card: the holder unless a rank is chosen.
#include "record_access.hpp"

#include <gtest/gtest.h>

#include "hcbridge/error.hpp"

namespace hcbridge::testing {
namespace {

using core::patientIdentifierOf;

Person person(std::string idType, std::string id, std::optional<int> rank, std::string birthDate) {
  Person p;
  p.patientId = TypedId{std::move(idType), std::move(id)};
  p.rank = rank;
  p.birthDate = std::move(birthDate);
  return p;
}

Errc codeOf(const PatientCard& card, std::optional<int> beneficiary) {
  try {
    patientIdentifierOf(card, beneficiary);
  } catch (const Error& error) {
    return error.code();
  }
  return Errc::Internal;  // not refused
}

TEST(PatientIdentifier, RankedBeneficiariesCarryRankAndBirthDate) {
  PatientCard card;
  card.beneficiaries = {person("nir-card", "175047505612377", 1, "19750412"),
                        person("nir-card", "175047505612377", 3, "20100305")};
  const auto holder = patientIdentifierOf(card);
  EXPECT_EQ(holder.idType, "nir-card");
  EXPECT_EQ(holder.rank, 1);
  EXPECT_EQ(holder.birthDate, "19750412");
  const auto child = patientIdentifierOf(card, 3);
  EXPECT_EQ(child.id, "175047505612377");
  EXPECT_EQ(child.rank, 3);
  EXPECT_EQ(child.birthDate, "20100305");
  EXPECT_EQ(codeOf(card, 2), Errc::BadRequest);
}

TEST(PatientIdentifier, ACardWithOneUnrankedInsuredAnswersRankOneOnly) {
  PatientCard card;
  card.beneficiaries = {person("kvnr", "A123456789", std::nullopt, "19700101")};
  const auto insured = patientIdentifierOf(card);
  EXPECT_EQ(insured.idType, "kvnr");
  EXPECT_EQ(insured.id, "A123456789");
  EXPECT_FALSE(insured.rank);
  EXPECT_EQ(insured.birthDate, "");  // one person, one id: nothing to tell apart
  EXPECT_EQ(patientIdentifierOf(card, 1).id, "A123456789");
  EXPECT_EQ(codeOf(card, 2), Errc::BadRequest);
}

TEST(PatientIdentifier, APersonWithoutATypedIdIsCardDataInvalid) {
  PatientCard card;
  EXPECT_EQ(codeOf(card, std::nullopt), Errc::CardDataInvalid);
  Person holder;
  holder.rank = 1;
  card.beneficiaries = {holder};
  EXPECT_EQ(codeOf(card, std::nullopt), Errc::CardDataInvalid);
  EXPECT_EQ(codeOf(card, 1), Errc::CardDataInvalid);
}

}  // namespace
}  // namespace hcbridge::testing
