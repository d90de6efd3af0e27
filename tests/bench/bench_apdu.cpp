// Parser throughput of the APDU toolkit (Google Benchmark).
#include <benchmark/benchmark.h>

#include "hcbridge/apdu.hpp"
#include "hcbridge/tlv.hpp"

namespace {

using namespace hcbridge;

// A Vitale-like beneficiary file: several nested templates.
Bytes sampleTlv() {
  std::vector<tlv::Node> people;
  for (int i = 0; i < 6; ++i) {
    people.push_back(tlv::constructed(
        0x65, {tlv::primitive(0x80, Bytes(20, 'A')), tlv::primitive(0x81, Bytes(15, 'B')),
               tlv::primitive(0x82, Bytes(8, '1')), tlv::primitive(0x93, Bytes(15, '2'))}));
  }
  return tlv::encode(people);
}

void BM_TlvParse(benchmark::State& state) {
  const Bytes input = sampleTlv();
  for (auto _ : state) benchmark::DoNotOptimize(tlv::parse(input));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_TlvParse);

void BM_CommandApduRoundTrip(benchmark::State& state) {
  const apdu::CommandApdu command{0x00, 0xB0, 0x81, 0x00, {}, std::size_t{256}};
  for (auto _ : state) benchmark::DoNotOptimize(apdu::CommandApdu::parse(command.encode()));
}
BENCHMARK(BM_CommandApduRoundTrip);

}  // namespace

BENCHMARK_MAIN();
