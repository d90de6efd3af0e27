// The practitioner session of the reader manager over the simulator with the
// real drivers: certificate before PIN, the PIN rules, proof of possession,
// the session's end (DELETE, card or reader gone, idle time), the tokens it
// signs and the patient card's authenticity. A recording transport between
// the manager and the simulator shows which APDUs went to the card and
// whether the card was reset.
#include "practitioner_session_fixture.hpp"

namespace hcbridge::core {
namespace {

// ---------------------------------------------------------------- opening

TEST_F(PractitionerSessionTest, TheRightPinOpensASessionForTheProvenPractitioner) {
  startWithCard("cps-demo");
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);

  const JsonOutcome opened = open("1234");
  ASSERT_EQ(opened.id(), "ok");
  const json& result = opened.result;
  EXPECT_EQ(result["practitioner"]["idType"], "rpps");
  EXPECT_EQ(result["practitioner"]["id"], "10101201234");
  EXPECT_EQ(result["practitioner"]["nationalId"], "810101201234");
  EXPECT_EQ(result["practitioner"]["cardType"], "cps");
  EXPECT_FALSE(result["practitioner"].contains("certificates"));
  EXPECT_EQ(result["reader"], kReader0);
  EXPECT_EQ(result["algorithm"], "RS256");
  EXPECT_TRUE(result["certificate"]["revocationChecked"]);
  EXPECT_NE(result["certificate"]["issuer"].get<std::string>().find("Intermediate"),
            std::string::npos);
  EXPECT_EQ(result["idleTimeoutSeconds"], 15 * 60);

  EXPECT_TRUE(events_.waitFor("practitioner.session.opened " + kReader0));
  EXPECT_EQ(manager_->practitionerSession(), "cps 10101201234");
  // The PIN went once; the card signed the challenge once.
  EXPECT_EQ(wire_.count(kVerify, true), 1);
  EXPECT_EQ(wire_.count(kInternalAuthenticate), 1);
}

TEST_F(PractitionerSessionTest, AWrongPinCountsDownAndOpensNothing) {
  auto card = startWithCard("cps-demo");
  JsonOutcome first = open("9999");
  EXPECT_EQ(first.code(), "pin-incorrect");
  EXPECT_EQ(first.retriesLeft(), 2);
  JsonOutcome second = open("9999");
  EXPECT_EQ(second.code(), "pin-incorrect");
  EXPECT_EQ(second.retriesLeft(), 1);
  EXPECT_EQ(card->pinTriesLeft(0x01), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_EQ(events_.countOf("practitioner.session.opened"), 0);

  // Now the last try: refused unless confirmed, and the PIN stays home.
  EXPECT_EQ(open("9999").code(), "pin-last-try");
  EXPECT_EQ(wire_.count(kVerify, true), 2);
  // The right PIN, confirmed, opens it and resets the counter.
  EXPECT_EQ(open("1234", true).id(), "ok");
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

TEST_F(PractitionerSessionTest, TheLastTryIsNotSpentWithoutConfirmation) {
  auto card = startWithCard("cps-one-try-left");
  const JsonOutcome refused = open("1234");
  EXPECT_EQ(refused.code(), "pin-last-try");
  EXPECT_EQ(refused.retriesLeft(), 1);
  EXPECT_EQ(wire_.count(kVerify, true), 0);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  // The card's own counter, through the driver on a connection of our own.
  {
    const PinStatus status = pinStatusNow();
    EXPECT_EQ(status.triesLeft, 1);
    EXPECT_FALSE(status.blocked);
  }
  EXPECT_EQ(card->pinTriesLeft(0x01), 1);

  EXPECT_EQ(open("1234", true).id(), "ok");
  EXPECT_EQ(wire_.count(kVerify, true), 1);
  EXPECT_EQ(manager_->practitionerSession(), "cps 10101201234");
  EXPECT_EQ(card->pinTriesLeft(0x01), 3);
}

TEST_F(PractitionerSessionTest, ABlockedPinIsNeverSent) {
  startWithCard("cps-blocked");
  const JsonOutcome refused = open("1234", true);
  EXPECT_EQ(refused.code(), "pin-blocked");
  EXPECT_EQ(refused.retriesLeft(), 0);
  EXPECT_EQ(wire_.count(kVerify, true), 0);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

TEST_F(PractitionerSessionTest, AnUntrustedCertificateIsRefusedBeforeAnyPin) {
  startWithCard("cps-demo", AuthenticationSettings{});
  EXPECT_EQ(open("1234").code(), "certificate-untrusted");
  // Not even the counter was asked for.
  EXPECT_EQ(wire_.count(kVerify), 0);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

TEST_F(PractitionerSessionTest, TheCertificateIsCheckedAtTheVerificationTime) {
  // cps-demo-auth is valid from 2025-01-01: an earlier check time refuses it.
  AuthenticationSettings settings = trusted();
  settings.verificationTime = [] { return std::chrono::system_clock::from_time_t(1'600'000'000); };
  startWithCard("cps-demo", std::move(settings));
  EXPECT_EQ(open("1234").code(), "certificate-expired");
  EXPECT_EQ(wire_.count(kVerify), 0);
}

TEST_F(PractitionerSessionTest, APatientCardCannotOpenASession) {
  insert(0, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader0, "vitale"));
  EXPECT_EQ(open("1234").code(), "card-absent");
}

TEST_F(PractitionerSessionTest, TheCertificateRefusalsOfTheTestCards) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cps-expired", "certificate-expired"},
      {"cps-revoked", "certificate-revoked"},
      {"cps-wrong-ca", "certificate-untrusted"},
      {"cps-wrong-usage", "certificate-key-usage"},
  };
  start();
  for (const auto& [profile, code] : cases) {
    SCOPED_TRACE(profile);
    sim_.removeCard(0);
    ASSERT_TRUE(waitForType(kReader0, ""));
    insert(0, profile);
    ASSERT_TRUE(waitForType(kReader0, "cps"));
    EXPECT_EQ(open("1234").code(), code);
  }
  EXPECT_EQ(wire_.count(kVerify), 0);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

TEST_F(PractitionerSessionTest, ACardWithACopiedCertificateOpensNoSessionAndIsReset) {
  startWithCard("cps-cloned");
  EXPECT_EQ(open("1234").code(), "card-signature-invalid");
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_EQ(events_.countOf("practitioner.session.opened"), 0);
  // Its PIN was verified to get the signature: the card must forget it.
  EXPECT_EQ(wire_.resets(), 1);
}

TEST_F(PractitionerSessionTest, AFailureAfterThePinWasVerifiedResetsTheCard) {
  startWithCard("cps-demo");
  wire_.setFault([](apdu::CommandApdu& command) {
    if (command.ins == kInternalAuthenticate) throw Error(Errc::CardUnresponsive, "mute card");
  });
  EXPECT_EQ(open("1234").code(), "card-unresponsive");
  EXPECT_EQ(wire_.count(kVerify, true), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  // The PIN is verified on the card by now: no other program may use it.
  EXPECT_EQ(wire_.resets(), 1);
}

TEST_F(PractitionerSessionTest, OpeningAgainOnTheSameCardReplacesTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  ASSERT_EQ(open("1234").id(), "ok");
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " replaced"));
  EXPECT_EQ(events_.countOf("practitioner.session.opened"), 2);
  EXPECT_EQ(manager_->practitionerSession(), "cps 10101201234");
  EXPECT_EQ(authenticate().id(), "ok");
  EXPECT_EQ(wire_.resets(), 0);
}

TEST_F(PractitionerSessionTest, AFailedSecondOpeningEndsTheFirstSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  EXPECT_EQ(open("9999").code(), "pin-incorrect");
  // A wrong PIN went to the card of the open session: the card was reset
  // and the session is over.
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " pin-state-lost"));
  EXPECT_EQ(wire_.resets(), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
}

TEST_F(PractitionerSessionTest, ALateSubscriberLearnsOfTheOpenSession) {
  startWithCard("cps-demo");
  EventLog before;
  const auto quiet = manager_->subscribe(before.listener());
  EXPECT_EQ(before.countOf("practitioner.session.opened"), 0);

  ASSERT_EQ(open("1234").id(), "ok");
  // A page loaded now gets the session in the state sent on connect.
  EventLog late;
  const auto subscription = manager_->subscribe(late.listener());
  EXPECT_TRUE(late.contains("practitioner.session.opened " + kReader0));

  ASSERT_EQ(close().id(), "ok");
  EventLog afterClose;
  const auto again = manager_->subscribe(afterClose.listener());
  EXPECT_EQ(afterClose.countOf("practitioner.session.opened"), 0);
}

// ---------------------------------------------------------------- the session's end

TEST_F(PractitionerSessionTest, ClosingEndsTheSessionAndResetsTheCard) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  const JsonOutcome closed = close();
  ASSERT_EQ(closed.id(), "ok");
  EXPECT_EQ(closed.result, json({{"closed", true}}));
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " closed"));
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_TRUE(eventually([&] { return wire_.resets() == 1; }));

  // The verified PIN is gone: the card refuses to sign.
  auto connection = ownConnection();
  ASSERT_TRUE(connection);
  const CardDriver& driver = registry_.identify(*connection);
  try {
    driver.signWithAuthenticationKey(*connection, auth::sha256(std::string_view("x")),
                                     SignatureScheme::RsaPkcs1Sha256);
    ADD_FAILURE() << "the card signed without a verified PIN";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::PinRequired) << error.what();
  }
  connection.reset();

  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
  EXPECT_EQ(close().result, json({{"closed", false}}));
  EXPECT_EQ(events_.countOf("practitioner.session.closed"), 1);
}

TEST_F(PractitionerSessionTest, TheSessionHoldsTheCardExclusively) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  try {
    sim_.connect(kReader0, ShareMode::Shared);
    ADD_FAILURE() << "another connection got the card of an open session";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), Errc::ReaderBusy) << error.what();
  }
}

TEST_F(PractitionerSessionTest, RemovingTheCardEndsTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  sim_.removeCard(0);
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " card-removed"));
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
  EXPECT_EQ(recordAccess().code(), "practitioner-session-required");

  // A re-inserted card needs its PIN again.
  insert(0, "cps-demo");
  ASSERT_TRUE(waitForType(kReader0, "cps"));
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
}

TEST_F(PractitionerSessionTest, RemovingTheReaderEndsTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  // The simulator, like PC/SC, reports the card leaving with its reader first.
  sim_.removeReader(kReader0);
  EXPECT_TRUE(events_.waitFor("reader.removed " + kReader0));
  EXPECT_TRUE(events_.contains("practitioner.session.closed " + kReader0 + " card-removed"));
  EXPECT_EQ(events_.countOf("practitioner.session.closed"), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
}

TEST_F(PractitionerSessionTest, AReaderReportedGoneAloneEndsTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  transport_.dropCardRemovals();  // a watcher that reports the reader only
  sim_.removeReader(kReader0);
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " reader-removed"));
  EXPECT_EQ(events_.countOf("practitioner.session.closed"), 1);
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

TEST_F(PractitionerSessionTest, AnIdleSessionEnds) {
  AuthenticationSettings settings = trusted();
  settings.sessionIdleTimeout = 1s;
  startWithCard("cps-demo", std::move(settings));
  const JsonOutcome opened = open("1234");
  ASSERT_EQ(opened.id(), "ok");
  EXPECT_EQ(opened.result["idleTimeoutSeconds"], 1);
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " idle-timeout"));
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
  EXPECT_TRUE(eventually([&] { return wire_.resets() == 1; }));
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
}

TEST_F(PractitionerSessionTest, ACardThatForgotItsPinEndsTheSession) {
  auto card = startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  card->reset();  // what another program's SCardReconnect(RESET) does
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " pin-state-lost"));
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

// ---------------------------------------------------------------- tokens

TEST_F(PractitionerSessionTest, TheWebEidTokenIsSignedByTheCardForOriginAndNonce) {
  startWithCard("cps-demo");
  EXPECT_EQ(authenticate().code(), "practitioner-session-required");
  ASSERT_EQ(open("1234").id(), "ok");

  const JsonOutcome made = authenticate();
  ASSERT_EQ(made.id(), "ok");
  const json& token = made.result;
  EXPECT_EQ(token["format"], "web-eid:1.0");
  EXPECT_EQ(token["algorithm"], "RS256");
  EXPECT_EQ(token["appVersion"], AuthenticationSettings{}.appVersion);
  const auto certificate = auth::fromBase64(token["unverifiedCertificate"].get<std::string>());
  const auto signature = auth::fromBase64(token["signature"].get<std::string>());
  ASSERT_TRUE(certificate && signature);
  EXPECT_EQ(*certificate, readFile(pki("cps-demo-auth.cert.der")));
  const Bytes digest = auth::sha256(auth::webEidSignedData(kOrigin, kNonce));
  EXPECT_TRUE(auth::verifyDigest(*certificate, auth::JwsAlgorithm::RS256, digest, *signature));
  // Bound to the origin: it does not verify for another one.
  const Bytes otherDigest =
      auth::sha256(auth::webEidSignedData("https://evil.example.org", kNonce));
  EXPECT_FALSE(
      auth::verifyDigest(*certificate, auth::JwsAlgorithm::RS256, otherDigest, *signature));

  // And what a record server does with it.
  auth::MemoryNonceStore nonces;
  const auto verified =
      auth::verifyWebEidToken(token, {kOrigin, kNonce, std::chrono::system_clock::now()},
                              auth::CertificateValidator(practitionerTrust()), nonces);
  EXPECT_EQ(verified.algorithm, auth::JwsAlgorithm::RS256);
}

TEST_F(PractitionerSessionTest, TheRecordAccessAssertionNamesThePatientOfTheCard) {
  const ReadOutcome patient = openSessionAndReadFamilyCard();
  ASSERT_EQ(patient.id(), "ok");
  const std::string nir = api::toJson(patient.result)["beneficiaries"][0]["nir"]["value"];

  const auto before = std::chrono::system_clock::now();
  const RecordOutcome issued = recordAccess();
  ASSERT_EQ(issued.id(), "ok");
  const json& claims = issued.result.claims;
  EXPECT_EQ(claims["patient"],
            json({{"idType", "nir-card"}, {"id", nir}, {"rank", 1}, {"birthDate", "19750412"}}));
  EXPECT_EQ(claims["aud"], kAudience);
  EXPECT_EQ(claims["nonce"], kNonce);
  EXPECT_EQ(claims["purpose"], "normal");
  EXPECT_EQ(claims["origin"], kOrigin);
  EXPECT_EQ(claims["sub"], "10101201234");
  EXPECT_EQ(claims["practitioner"]["idType"], "rpps");
  EXPECT_FALSE(claims.contains("justification"));
  EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 300);
  EXPECT_GE(claims["iat"].get<std::int64_t>(),
            std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count());
  EXPECT_EQ(issued.result.patientSerialHash, patient.result.serialHash);
  EXPECT_FALSE(issued.result.patientSerialHash.empty());

  auth::MemoryNonceStore nonces;
  const auto verified = auth::verifyRecordAccessAssertion(
      issued.result.assertion, {kAudience, kNonce, kOrigin, std::chrono::system_clock::now()},
      auth::CertificateValidator(practitionerTrust()), nonces);
  EXPECT_EQ(verified.claims, claims);
  EXPECT_EQ(verified.header["alg"], "RS256");

  // Each assertion has its own jti.
  const RecordOutcome again = recordAccess();
  ASSERT_EQ(again.id(), "ok");
  EXPECT_NE(again.result.claims["jti"], claims["jti"]);
}

TEST_F(PractitionerSessionTest, TheAssertionNamesTheChosenBeneficiary) {
  const ReadOutcome patient = openSessionAndReadFamilyCard();
  ASSERT_EQ(patient.id(), "ok");
  const json child = api::toJson(patient.result)["beneficiaries"][2];  // LUCAS, on his parent's NIR

  const auto forBeneficiary = [](int rank) {
    api::RecordAccessRequest request = recordRequest();
    request.beneficiary = rank;
    return request;
  };
  const RecordOutcome issued = recordAccess(forBeneficiary(3));
  ASSERT_EQ(issued.id(), "ok");
  EXPECT_EQ(issued.result.claims["patient"], json({{"idType", "nir-card"},
                                                   {"id", child["nir"]["value"]},
                                                   {"rank", 3},
                                                   {"birthDate", child["birthDate"]}}));

  const RecordOutcome unknown = recordAccess(forBeneficiary(7));
  EXPECT_EQ(unknown.code(), "bad-request");
  EXPECT_NE(unknown.id().find("no beneficiary of rank 7"), std::string::npos) << unknown.id();
}

TEST_F(PractitionerSessionTest, AGivenPatientNeedsNoPatientCard) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  EXPECT_EQ(recordAccess().code(), "card-absent");

  api::RecordAccessRequest request = recordRequest();
  request.patient = "1850375123456";
  request.purpose = "bris_de_glace";
  request.justification = "unconscious patient";
  const RecordOutcome issued = recordAccess(std::move(request));
  ASSERT_EQ(issued.id(), "ok");
  EXPECT_EQ(issued.result.claims["patient"], json({{"idType", "given"}, {"id", "1850375123456"}}));
  EXPECT_EQ(issued.result.claims["justification"], "unconscious patient");
  EXPECT_EQ(issued.result.claims["purpose"], "bris_de_glace");
  EXPECT_TRUE(issued.result.patientSerialHash.empty());
}

TEST_F(PractitionerSessionTest, ACardThatSignsWronglyEndsTheSession) {
  startWithCard("cps-demo");
  ASSERT_EQ(open("1234").id(), "ok");
  // The card answers, but with a signature of something else.
  wire_.setFault([](apdu::CommandApdu& command) {
    if (command.ins == kInternalAuthenticate) command.data.back() ^= 0x01;
  });
  EXPECT_EQ(authenticate().code(), "card-signature-invalid");
  EXPECT_TRUE(events_.waitFor("practitioner.session.closed " + kReader0 + " bad-signature"));
  EXPECT_EQ(manager_->practitionerSession(), std::nullopt);
}

// ---------------------------------------------------------------- patient card authenticity

TEST_F(PractitionerSessionTest, APatientCardIsUnverifiedWithoutPatientCardTrust) {
  insert(1, "vitale-family");
  start();
  ASSERT_TRUE(waitForType(kReader1, "vitale"));
  const ReadOutcome read = readPatient();
  ASSERT_EQ(read.id(), "ok");
  EXPECT_EQ(api::toJson(read.result)["authenticity"]["status"], "unverified");
  EXPECT_FALSE(api::toJson(read.result)["authenticity"]["reason"].get<std::string>().empty());
}

TEST_F(PractitionerSessionTest, APatientCardVerifiesWithPatientCardTrust) {
  AuthenticationSettings settings = trusted();
  settings.patientCardTrust = auth::CertificateValidator(patientCardTrust());
  insert(1, "vitale-family");
  start(std::move(settings));
  ASSERT_TRUE(waitForType(kReader1, "vitale"));
  const ReadOutcome read = readPatient();
  ASSERT_EQ(read.id(), "ok");
  EXPECT_EQ(api::toJson(read.result)["authenticity"]["status"], "verified")
      << api::toJson(read.result)["authenticity"].dump();
}

TEST_F(PractitionerSessionTest, ACardWithACopiedVitaleCertificateFails) {
  AuthenticationSettings settings = trusted();
  settings.patientCardTrust = auth::CertificateValidator(patientCardTrust());
  insert(1, "vitale-cloned");
  start(std::move(settings));
  ASSERT_TRUE(waitForType(kReader1, "vitale"));
  const ReadOutcome read = readPatient();
  ASSERT_EQ(read.id(), "ok");
  EXPECT_EQ(api::toJson(read.result)["authenticity"]["status"], "failed")
      << api::toJson(read.result)["authenticity"].dump();
}

// The broken CV certificate file of EGK_G2_1_ecc.xml (docs/cards-german.md "Card authenticity"
// section 9): the card proves nothing, its data is still served.
TEST_F(PractitionerSessionTest, AnEgkWithAMalformedCvCertificateReadsWithAuthenticityFailed) {
  HCBRIDGE_SKIP_WITHOUT_GEMATIK_IMAGES();
  insert(1, std::string(HCBRIDGE_GEMATIK_IMAGES) + "/EGK_G2_1_ecc.xml");
  start();
  ASSERT_TRUE(waitForType(kReader1, "egk"));
  const ReadOutcome read = readPatient();
  ASSERT_EQ(read.id(), "ok");
  EXPECT_EQ(api::toJson(read.result)["authenticity"]["status"], "failed")
      << api::toJson(read.result)["authenticity"].dump();
  EXPECT_NE(api::toJson(read.result)["authenticity"]["reason"].get<std::string>().find(
                "card-data-invalid"),
            std::string::npos);
}

}  // namespace
}  // namespace hcbridge::core
