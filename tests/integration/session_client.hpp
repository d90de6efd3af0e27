// A caller of hcbridged's practitioner session, for the tests that drive
// the service: its application key, the session token once a session
// opened, and the session's calls.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "daemon_process.hpp"

namespace hcbridge::testing {

// A problem's code; "" when the body is not a problem.
inline std::string codeOf(const api::testing::HttpReply& reply) {
  return nlohmann::json::parse(reply.body, nullptr, false).value("code", std::string());
}

class SessionClient {
 public:
  void attach(const DaemonProcess& daemon) {
    daemon_ = &daemon;
    token_.clear();
  }
  const std::string& token() const { return token_; }
  void forgetToken() { token_.clear(); }

  // The application key and, once a session is open, its token.
  api::testing::Headers headers() const {
    auto headers = daemon_->appKeyHeader();
    if (!token_.empty()) headers.push_back({"HCBridge-Session", token_});
    return headers;
  }
  api::testing::HttpReply post(const std::string& target, const nlohmann::json& body) const {
    auto all = headers();
    all.push_back({"Content-Type", "application/json"});
    return api::testing::fetch(daemon_->port(), "POST", target, all, body.dump());
  }
  api::testing::HttpReply openSession(const std::string& pin, bool confirmLastTry = false) {
    nlohmann::json body = {{"pin", pin}};
    if (confirmLastTry) body["confirmLastTry"] = true;
    auto reply = post("/v1/practitioner/session", body);
    if (reply.status == 201) token_ = reply.json().value("sessionToken", "");
    return reply;
  }
  api::testing::HttpReply authenticate(const std::string& nonce) const {
    return post("/v1/practitioner/authenticate", {{"challengeNonce", nonce}});
  }

 private:
  const DaemonProcess* daemon_ = nullptr;
  std::string token_;
};

}  // namespace hcbridge::testing
