// Plain data read from cards: what a driver returns, what the API will show.
// Text is UTF-8. Dates are kept as the card gives them (8 characters
// YYYYMMDD; French "lunar" birth dates such as 19800035 stay as they are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hcbridge/bytes.hpp"

namespace hcbridge {

enum class CardKind { Patient, Practitioner };

// An identifier with its kind, as the driver of the card knows it and a
// verifier reads it: practitioners "rpps", "idnat", "telematik-id",
// "registration-number"; patients "nir-card" (Vitale: card data, not an
// INSi-qualified INS), "kvnr" (eGK). Core code passes it on, never derives it.
struct TypedId {
  std::string idType;
  std::string id;
  bool operator==(const TypedId&) const = default;
};

struct NirInfo {
  std::string value;  // 15 characters as on the card (13 + key)
  bool keyValid = false;
  bool operator==(const NirInfo&) const = default;
};

struct PostalAddress {
  std::string street, houseNumber, addition, postalCode, city, country, postBox;
  bool operator==(const PostalAddress&) const = default;
};

struct Person {
  std::string surname;
  std::string givenNames;
  std::string birthDate;             // as on the card, never normalised
  std::optional<std::string> sex;    // "M", "F" (from "W"), "X", "D" when known
  std::string title;                 // eGK Titel, e.g. "Prof. Dr."
  std::string namePrefix;            // eGK Vorsatzwort, e.g. "von"
  std::string nameSuffix;            // eGK Namenszusatz, e.g. "Freifrau"
  std::optional<NirInfo> nir;        // Vitale: card data, never a qualified INS
  std::optional<int> rank;           // Vitale: order on the card (1 = first)
  std::optional<std::string> relationship;  // when the card says
  std::optional<PostalAddress> address;     // eGK
  std::optional<TypedId> patientId;         // what a record server finds the patient by
  bool operator==(const Person&) const = default;
};

struct Insurer {
  std::string name;
  std::string code;         // eGK: IK (Kostentraegerkennung); Vitale: regime/caisse when known
  std::string countryCode;  // eGK Kostentraegerlaendercode
  bool operator==(const Insurer&) const = default;
};

struct EgkStatusVd {
  bool updateInProgress = false;  // byte 0 = '1': warn the user
  std::string lastUpdateUtc;      // YYYYMMDDhhmmss
  std::string schemaVersion;      // e.g. "5.2.0"
  std::string structureVersion;   // e.g. "3.0.4"
  Bytes raw;                      // the 25 bytes, to notice a change
  bool operator==(const EgkStatusVd&) const = default;
};

struct EgkDetails {
  std::string insuranceNumber;  // Versicherten_ID, e.g. X110408667
  std::string insuredType;      // Versichertenart (1 member, 3 family, 5 pensioner)
  std::string wop;              // Wohnortprinzip code
  Insurer billingInsurer;       // AbrechnenderKostentraeger
  EgkStatusVd statusVd;
  std::string cdmVersion;       // VSD schema version of the XML
  bool operator==(const EgkDetails&) const = default;
};

struct PatientCard {
  std::string cardType;                 // "vitale", "egk"
  std::string generation;               // "Vitale 2", "G2", "G2.1"
  std::string cardSerial;               // ICCSN / serial: hash before logging
  std::vector<Person> beneficiaries;    // holder first
  Insurer insurer;
  std::string coverageStart;            // YYYYMMDD, empty when unknown
  std::string coverageEnd;              // YYYYMMDD, empty when open or unknown
  std::optional<EgkDetails> egk;
  std::vector<std::string> warnings;    // for the user, e.g. "update in progress"
  std::vector<std::string> inventedFields;  // simulator profiles: which data is invented
  std::string identifierNote;  // the driver's caveat on its identifiers, for people (CLI)
  bool operator==(const PatientCard&) const = default;
};

struct PinStatus {
  int triesLeft = 0;
  int maxTries = 0;
  bool blocked = false;
  bool verified = false;  // in this card session
  std::string state;      // "regular", "transport-pin", "empty-pin", "disabled"
};

struct Certificate {
  std::string label;  // e.g. "C.HP.AUT.E256", "Certificat d'Authentification CPS"
  Bytes der;
  bool operator==(const Certificate&) const = default;
};

struct PractitionerCard {
  std::string cardType;           // "cps", "hba"
  std::string generation;         // "CPS3", "CPS4", "G2", "G2.1"
  std::string cardSerial;         // hash before logging
  std::string surname;
  std::string givenNames;
  std::string title;
  std::string profession;         // display text
  std::string professionCode;     // OID or code list value
  std::string nationalId;         // CPS idNat_PS (8 + RPPS, 0 + ADELI ...)
  std::string registrationNumber; // HBA registration number
  std::string telematikId;        // HBA Telematik-ID
  std::vector<Certificate> certificates;  // authentication certificate first
  std::optional<TypedId> professionalId;  // the identity tokens and assertions carry
  std::string pinBlockedHint;             // who unblocks this card's PIN, for the user
  bool operator==(const PractitionerCard&) const = default;
};

using CardModel = std::variant<PatientCard, PractitionerCard>;

}  // namespace hcbridge
