#include "private_file.hpp"

#include <cstring>
#include <string>

#include "hcbridge/base/atomic_file.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::apps {

void replacePrivateFile(const std::filesystem::path& file, std::string_view content) {
  base::writeFileAtomically(
      file, content, {.mode = 0600, .keepOwner = true}, [&file](const base::FileWriteFault& fault) {
        return Error(Errc::Internal,
                     std::string(fault.action()) + " the application key file " + file.string() +
                         ": " + std::strerror(fault.error),
                     "Check that the folder exists and that you may write to it (try sudo, or "
                     "--keys FILE).");
      });
}

}  // namespace hcbridge::apps
