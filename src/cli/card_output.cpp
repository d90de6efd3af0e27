#include "card_output.hpp"

#include <iomanip>
#include <variant>

namespace hcbridge::cli {
namespace {

void row(std::ostream& out, const char* label, const std::string& value) {
  if (value.empty()) return;
  out << "  " << std::left << std::setw(18) << label << value << "\n";
}

std::string fullName(const Person& p) {
  std::string name;
  for (const std::string* part : {&p.title, &p.givenNames, &p.namePrefix, &p.surname,
                                  &p.nameSuffix}) {
    if (part->empty()) continue;
    if (!name.empty()) name += ' ';
    name += *part;
  }
  return name;
}

std::string addressLine(const PostalAddress& a) {
  std::string line = a.postBox.empty() ? a.street + " " + a.houseNumber : "Postfach " + a.postBox;
  if (!a.addition.empty()) line += ", " + a.addition;
  line += ", " + a.postalCode + " " + a.city;
  if (!a.country.empty()) line += ", " + a.country;
  return line;
}

void printPatient(std::ostream& out, const PatientCard& card) {
  out << "Patient card: " << card.cardType << " " << card.generation << "\n";
  row(out, "Card serial", card.cardSerial);
  row(out, "Insurer", card.insurer.name + (card.insurer.code.empty() ? "" : " (" + card.insurer.code + ")"));
  row(out, "Coverage", card.coverageStart + (card.coverageEnd.empty() ? " -" : " - " + card.coverageEnd));
  if (card.egk) {
    row(out, "Insurance number", card.egk->insuranceNumber);
    row(out, "Insured type", card.egk->insuredType);
    row(out, "Billing insurer", card.egk->billingInsurer.name + " (" + card.egk->billingInsurer.code + ")");
    row(out, "VSD updated (UTC)", card.egk->statusVd.lastUpdateUtc);
  }
  for (std::size_t i = 0; i < card.beneficiaries.size(); ++i) {
    const Person& p = card.beneficiaries[i];
    out << (i == 0 ? "Holder" : "Beneficiary") << " " << i + 1 << ":\n";
    row(out, "Name", fullName(p));
    row(out, "Birth date", p.birthDate);
    row(out, "Sex", p.sex.value_or(""));
    if (p.nir) {
      row(out, "NIR (card data)", p.nir->value + (p.nir->keyValid ? "" : "  (KEY INVALID)"));
    }
    row(out, "Relationship", p.relationship.value_or(""));
    if (p.address) row(out, "Address", addressLine(*p.address));
  }
  if (!card.identifierNote.empty()) out << "Note: " << card.identifierNote << "\n";
  for (const auto& warning : card.warnings) out << "Warning: " << warning << "\n";
  if (!card.inventedFields.empty()) {
    out << "Simulated card: invented test data";
    for (const auto& f : card.inventedFields) out << (&f == &card.inventedFields[0] ? ": " : ", ") << f;
    out << "\n";
  }
}

void printPractitioner(std::ostream& out, const PractitionerCard& card) {
  out << "Practitioner card: " << card.cardType << " " << card.generation << "\n";
  row(out, "Card serial", card.cardSerial);
  row(out, "Name", (card.title.empty() ? "" : card.title + " ") + card.givenNames + " " + card.surname);
  row(out, "Profession", card.profession);
  row(out, "National id", card.nationalId);
  row(out, "Registration", card.registrationNumber);
  row(out, "Telematik-ID", card.telematikId);
  for (const auto& c : card.certificates) {
    row(out, "Certificate", c.label + " (" + std::to_string(c.der.size()) + " bytes)");
  }
}

}  // namespace

void printCard(std::ostream& out, const CardModel& model) {
  std::visit(
      [&](const auto& card) {
        if constexpr (std::is_same_v<std::decay_t<decltype(card)>, PatientCard>) {
          printPatient(out, card);
        } else {
          printPractitioner(out, card);
        }
      },
      model);
}

void printPinStatus(std::ostream& out, const PinStatus& s) {
  if (s.blocked) {
    out << "PIN blocked (0 of " << s.maxTries << " tries left): unblock it with the PUK.\n";
    return;
  }
  out << "PIN: " << s.triesLeft << " of " << s.maxTries << " tries left";
  if (s.verified) out << ", verified";
  if (!s.state.empty() && s.state != "regular") out << ", state " << s.state;
  out << "\n";
  if (s.triesLeft == 1) out << "Warning: one wrong PIN more blocks the card.\n";
}

}  // namespace hcbridge::cli
