// Tells systemd (Type=notify) that the service is ready: after the port is
// bound, so units ordered after hcbridged and `systemctl start` returning mean
// the API answers. The protocol is one datagram to $NOTIFY_SOCKET, written
// here rather than linking libsystemd for it.
#pragma once

#include <string>

namespace hcbridge::daemon {

// Sends `state` ("READY=1", "STOPPING=1") when $NOTIFY_SOCKET is set; returns
// false when it is not set or the datagram could not be sent (the service
// then runs on: a notification is never a reason to stop).
bool notifyService(const std::string& state);

}  // namespace hcbridge::daemon
