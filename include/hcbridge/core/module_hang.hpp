// Whether a PKCS#11 module hung in this process (src/core/module_thread.hpp).
// Its thread is then still inside the module, which stays loaded: the
// process must end without running the module's finalisers, which would free
// what that thread still uses. hcbridged then flushes its output and ends
// with std::_Exit.
#pragma once

namespace hcbridge::core {

bool aPkcs11ModuleHung() noexcept;

}  // namespace hcbridge::core
