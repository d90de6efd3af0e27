// hcbridge readers [--json] [--watch]
#include <nlohmann/json.hpp>
#include <ostream>

#include "command.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "interrupt.hpp"
#include "options.hpp"
#include "reader_output.hpp"

namespace hcbridge::cli {
namespace {

int watchReaders(Transport& transport, bool json, std::ostream& out) {
  auto watcher = transport.watch();
  InterruptHandler interrupt([&] { watcher->cancel(); });
  const auto initial = watcher->snapshot();
  if (json) {
    out << readersToJson(initial).dump() << std::endl;
  } else {
    printReaderTable(out, initial);
    out << "Watching for reader and card events; press Ctrl+C to stop." << std::endl;
  }
  for (;;) {
    std::vector<ReaderEvent> events;
    try {
      events = watcher->next();
    } catch (const Error& error) {
      if (error.code() == Errc::Cancelled && interrupt.interrupted()) return kExitOk;
      throw;
    }
    for (const auto& event : events) {
      if (json) {
        out << eventToJson(event).dump() << std::endl;
      } else {
        printEventLine(out, event);
        if (event.kind == ReaderEventKind::ServiceLost) {
          out << "  pcscd stopped; waiting for it to come back..." << std::endl;
        }
      }
    }
  }
}

int runReaders(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("json", "print JSON (with --watch: one JSON object per line)")(
      "watch", "after the list, print reader and card events as they happen until Ctrl+C");
  po::variables_map values;
  const Usage usage{
      "hcbridge readers [--json] [--watch]",
      "Lists the PC/SC readers known to pcscd, whether a card is present and its ATR\n"
      "(answer to reset). Indexes in the first column can be used with --reader.",
      "  hcbridge readers\n  hcbridge readers --watch\n  hcbridge readers --json\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  const bool json = values.count("json") > 0;

  auto transport = pcsc::makeTransport();
  if (values.count("watch")) return watchReaders(*transport, json, out);

  const auto readers = transport->listReaders();
  if (json) {
    out << readersToJson(readers).dump(2) << "\n";
  } else {
    printReaderTable(out, readers);
  }
  return kExitOk;
}

}  // namespace

Command readersCommand() {
  return {"readers", "list readers and cards; --watch follows insertions and removals",
          runReaders};
}

}  // namespace hcbridge::cli
