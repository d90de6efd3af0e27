#include "simulated_trust.hpp"

#include <fstream>
#include <string_view>

#include "hcbridge/error.hpp"

extern const std::string_view hcbridge_test_pki_root;
extern const std::string_view hcbridge_test_pki_intermediate;
extern const std::string_view hcbridge_test_pki_intermediate_crl;
extern const std::string_view hcbridge_test_pki_vitale_ca;
extern const std::string_view hcbridge_test_pki_patient_root;

namespace hcbridge::daemon {
namespace {

namespace fs = std::filesystem;

fs::path writeFile(const fs::path& folder, const char* name, std::string_view content) {
  const fs::path file = folder / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw Error(Errc::Internal, "cannot write " + file.string());
  return file;
}

}  // namespace

SimulatedTrust writeSimulatedTrust(const fs::path& folder) {
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace);
  SimulatedTrust trust;
  trust.practitioner.trustAnchors = {
      writeFile(folder, "TEST-root.cert.pem", hcbridge_test_pki_root)};
  const fs::path intermediate =
      writeFile(folder, "TEST-cps-intermediate.cert.pem", hcbridge_test_pki_intermediate);
  trust.practitioner.intermediates = {intermediate};
  trust.practitioner.crls = {
      writeFile(folder, "TEST-cps-intermediate.crl.pem", hcbridge_test_pki_intermediate_crl)};
  trust.practitioner.issuers = {intermediate};
  trust.practitioner.policies = {std::string(kTestPractitionerPolicy)};
  trust.practitioner.extendedKeyUsages = {std::string(kClientAuthOid)};
  trust.patientCard.trustAnchors = {
      writeFile(folder, "TEST-patient-root.cert.pem", hcbridge_test_pki_patient_root)};
  trust.patientCard.intermediates = {
      writeFile(folder, "TEST-vitale-ca.cert.pem", hcbridge_test_pki_vitale_ca)};
  return trust;
}

}  // namespace hcbridge::daemon
