// The simulated card's file system: SELECT, READ/UPDATE BINARY, READ/UPDATE
// RECORD and the FCP/FCI templates.
#include <algorithm>
#include <optional>

#include "card_state.hpp"
#include "hcbridge/tlv.hpp"

namespace hcbridge::sim::detail {
namespace {

constexpr std::uint16_t kMfFid = 0x3F00;

// A selection target: the DF path and, when an EF is selected, the EF.
struct Target {
  std::vector<FileNode*> dfPath;
  FileNode* ef = nullptr;
};

bool isDf(const FileNode& node) {
  return node.type == FileNode::Type::DF;
}

std::uint16_t fidAt(ByteView data, std::size_t index) {
  return static_cast<std::uint16_t>((data[index] << 8) | data[index + 1]);
}

FileNode* childByFid(FileNode& df, std::uint16_t fid) {
  for (auto& child : df.children) {
    if (child.fid && *child.fid == fid) return &child;
  }
  return nullptr;
}

// The target when `node` (a child of the DF at the end of `dfPath`) is selected.
Target targetFor(std::vector<FileNode*> dfPath, FileNode* node) {
  Target target{std::move(dfPath), nullptr};
  if (isDf(*node)) {
    target.dfPath.push_back(node);
  } else {
    target.ef = node;
  }
  return target;
}

// P1 00: the MF, the current DF, its children, its parent, or the parent's
// children, in that order (ISO 7816-4 search around the current DF).
std::optional<Target> selectByFid(const CardState& state, std::uint16_t fid) {
  std::vector<FileNode*> path = state.dfPath;
  if (fid == kMfFid) return Target{{path.front()}, nullptr};
  if (path.back()->fid && *path.back()->fid == fid) return Target{path, nullptr};
  if (FileNode* child = childByFid(*path.back(), fid)) return targetFor(path, child);
  if (path.size() >= 2) {
    path.pop_back();
    if (path.back()->fid && *path.back()->fid == fid) return Target{path, nullptr};
    if (FileNode* sibling = childByFid(*path.back(), fid)) return targetFor(path, sibling);
  }
  return std::nullopt;
}

bool findByAid(std::vector<FileNode*>& path, ByteView aid) {
  FileNode& node = *path.back();
  if (!node.aid.empty() && std::equal(node.aid.begin(), node.aid.end(), aid.begin(), aid.end())) {
    return true;
  }
  for (auto& child : node.children) {
    if (!isDf(child)) continue;
    path.push_back(&child);
    if (findByAid(path, aid)) return true;
    path.pop_back();
  }
  return false;
}

// P1 08 / 09: a path of FIDs, every one but the last naming a DF.
std::optional<Target> selectByPath(std::vector<FileNode*> path, ByteView data) {
  std::size_t index = 0;
  // A leading 3F00 names the MF, from any current DF: P1 08 tolerates it, and
  // with P1 09 IAS-ECC cards such as the CPS3 take the path as absolute.
  if (fidAt(data, 0) == kMfFid) {
    path.resize(1);
    index = 2;
  }
  if (index == data.size()) return Target{path, nullptr};
  for (; index + 2 < data.size(); index += 2) {
    FileNode* child = childByFid(*path.back(), fidAt(data, index));
    if (child == nullptr || !isDf(*child)) return std::nullopt;
    path.push_back(child);
  }
  FileNode* last = childByFid(*path.back(), fidAt(data, index));
  if (last == nullptr) return std::nullopt;
  return targetFor(std::move(path), last);
}

Bytes twoBytes(std::size_t value) {
  return {static_cast<std::uint8_t>((value >> 8) & 0xFF), static_cast<std::uint8_t>(value & 0xFF)};
}

// The EF with that short identifier among the current DF's children.
FileNode* efBySfi(const CardState& state, std::uint8_t sfi) {
  for (auto& child : state.dfPath.back()->children) {
    if (!isDf(child) && child.sfi && *child.sfi == sfi) return &child;
  }
  return nullptr;
}

// READ/UPDATE BINARY addressing: P1 100xxxxx = SFI + 8-bit offset in P2,
// else a 15-bit offset into the current EF.
struct BinaryTarget {
  FileNode* ef = nullptr;
  std::size_t offset = 0;
  std::uint16_t error = 0;
};

BinaryTarget binaryTarget(CardState& state, const apdu::CommandApdu& command) {
  if ((command.p1 & 0x80) != 0) {
    if ((command.p1 & 0x60) != 0) return {nullptr, 0, sw::kWrongP1P2};
    const auto sfi = static_cast<std::uint8_t>(command.p1 & 0x1F);
    if (sfi == 0) return {nullptr, 0, sw::kWrongP1P2};
    FileNode* ef = efBySfi(state, sfi);
    if (ef == nullptr) return {nullptr, 0, sw::kFileNotFound};
    state.currentEf = ef;  // referencing by SFI selects the EF
    return {ef, command.p2, 0};
  }
  if (state.currentEf == nullptr) return {nullptr, 0, sw::kNoCurrentEf};
  return {state.currentEf, static_cast<std::size_t>(((command.p1 & 0x7F) << 8) | command.p2), 0};
}

// READ/UPDATE RECORD addressing: P2 = SFI << 3 | 100 (record number in P1).
struct RecordTarget {
  FileNode* ef = nullptr;
  std::uint16_t error = 0;
};

RecordTarget recordTarget(CardState& state, const apdu::CommandApdu& command) {
  if ((command.p2 & 0x07) != 0x04 || command.p1 == 0x00 || command.p1 == 0xFF) {
    return {nullptr, sw::kWrongP1P2};
  }
  const auto sfi = static_cast<std::uint8_t>(command.p2 >> 3);
  if (sfi == 0x1F) return {nullptr, sw::kWrongP1P2};
  FileNode* ef = nullptr;
  if (sfi == 0) {
    ef = state.currentEf;
    if (ef == nullptr) return {nullptr, sw::kNoCurrentEf};
  } else {
    ef = efBySfi(state, sfi);
    if (ef == nullptr) return {nullptr, sw::kFileNotFound};
    state.currentEf = ef;
  }
  if (ef->type != FileNode::Type::RecordEF) return {nullptr, sw::kIncompatibleFile};
  return {ef, 0};
}

}  // namespace

Bytes fileControlTemplate(const FileNode& file, std::uint8_t templateTag) {
  std::vector<tlv::Node> objects;
  switch (file.type) {
    case FileNode::Type::DF:
      objects.push_back(tlv::primitive(0x82, {0x38}));
      break;
    case FileNode::Type::TransparentEF:
      objects.push_back(
          tlv::primitive(0x80, twoBytes(std::max(file.capacity.value_or(0), file.data.size()))));
      objects.push_back(tlv::primitive(0x82, {0x01, 0x21}));
      break;
    case FileNode::Type::RecordEF: {
      std::size_t total = 0;
      std::size_t longest = 0;
      for (const auto& record : file.records) {
        total += record.size();
        longest = std::max(longest, record.size());
      }
      objects.push_back(tlv::primitive(0x80, twoBytes(total)));
      Bytes descriptor{0x04, 0x21};  // linear EF, variable-size records
      const Bytes maxSize = twoBytes(longest);
      descriptor.insert(descriptor.end(), maxSize.begin(), maxSize.end());
      descriptor.push_back(static_cast<std::uint8_t>(file.records.size()));
      objects.push_back(tlv::primitive(0x82, std::move(descriptor)));
      break;
    }
  }
  if (file.fid) objects.push_back(tlv::primitive(0x83, twoBytes(*file.fid)));
  if (file.type == FileNode::Type::DF && !file.aid.empty()) {
    objects.push_back(tlv::primitive(0x84, file.aid));
  }
  if (file.type != FileNode::Type::DF && file.sfi) {
    objects.push_back(tlv::primitive(0x88, {static_cast<std::uint8_t>(*file.sfi << 3)}));
  }
  objects.push_back(tlv::primitive(0x8A, {0x05}));  // life cycle: operational, activated
  objects.push_back(fileSecurityAttributes(file));  // IAS-ECC: OpenSC refuses an FCP without
  if (file.type == FileNode::Type::TransparentEF && file.capacity) {
    objects.push_back(tlv::primitive(0xC5, twoBytes(file.data.size())));  // logical end
  }
  return tlv::encode(tlv::constructed(templateTag, std::move(objects)));
}

Result selectFile(CardState& state, const apdu::CommandApdu& command) {
  std::uint8_t templateTag = 0;
  switch (command.p2) {
    case 0x00:
      templateTag = 0x6F;
      break;  // FCI
    case 0x04:
      templateTag = 0x62;
      break;  // FCP
    case 0x0C:
      break;  // no response data
    default:
      return status(sw::kWrongP1P2);
  }
  const Bytes& data = command.data;
  std::optional<Target> target;
  switch (command.p1) {
    case 0x00:
      if (data.empty()) {
        target = Target{{state.dfPath.front()}, nullptr};
      } else if (data.size() == 2) {
        target = selectByFid(state, fidAt(data, 0));
      } else {
        return status(sw::kWrongLength);
      }
      break;
    case 0x01:
    case 0x02: {
      if (data.size() != 2) return status(sw::kWrongLength);
      if (command.p1 == 0x02 && fidAt(data, 0) == kMfFid) {
        // The MF whatever the current DF, as IAS-ECC cards take it: OpenSC's
        // IAS-ECC driver selects 3F00 with P1 02 (iasecc_select_file).
        target = Target{{state.dfPath.front()}, nullptr};
        break;
      }
      FileNode* child = childByFid(*state.dfPath.back(), fidAt(data, 0));
      const bool wantDf = command.p1 == 0x01;
      if (child != nullptr && isDf(*child) == wantDf) target = targetFor(state.dfPath, child);
      break;
    }
    case 0x03:
      if (!data.empty()) return status(sw::kWrongLength);
      if (state.dfPath.size() >= 2) {
        target = Target{{state.dfPath.begin(), state.dfPath.end() - 1}, nullptr};
      }
      break;
    case 0x04: {
      if (data.empty()) {  // no DF name: the root application, i.e. the MF
        target = Target{{state.dfPath.front()}, nullptr};
        break;
      }
      if (data.size() > 16) return status(sw::kWrongLength);
      std::vector<FileNode*> path{state.dfPath.front()};
      if (findByAid(path, data)) target = Target{std::move(path), nullptr};
      break;
    }
    case 0x08:
    case 0x09:
      if (data.empty() || data.size() % 2 != 0) return status(sw::kWrongLength);
      target = selectByPath(
          command.p1 == 0x08 ? std::vector<FileNode*>{state.dfPath.front()} : state.dfPath, data);
      break;
    default:
      return status(sw::kWrongP1P2);
  }
  if (!target) return status(sw::kFileNotFound);

  state.dfPath = std::move(target->dfPath);
  state.currentEf = target->ef;
  if (templateTag == 0) return status(sw::kOk);
  const FileNode& selected = target->ef != nullptr ? *target->ef : *state.dfPath.back();
  return Result{fileControlTemplate(selected, templateTag), sw::kOk, true};
}

Result readBinary(CardState& state, const apdu::CommandApdu& command) {
  if (!command.data.empty() || !command.ne) return status(sw::kWrongLength);
  const BinaryTarget target = binaryTarget(state, command);
  if (target.error != 0) return status(target.error);
  const FileNode& ef = *target.ef;
  if (ef.type != FileNode::Type::TransparentEF) return status(sw::kIncompatibleFile);
  if (!accessAllowed(state, ef.read)) return status(sw::kSecurityNotSatisfied);
  if (target.offset > ef.data.size()) return status(sw::kWrongOffset);
  const std::size_t count = std::min(*command.ne, ef.data.size() - target.offset);
  const auto begin = ef.data.begin() + static_cast<std::ptrdiff_t>(target.offset);
  Result result{Bytes(begin, begin + static_cast<std::ptrdiff_t>(count)), sw::kOk, false};
  if (count < *command.ne) result.sw = sw::kEndOfFile;
  return result;
}

Result updateBinary(CardState& state, const apdu::CommandApdu& command) {
  if (command.data.empty()) return status(sw::kWrongLength);
  const BinaryTarget target = binaryTarget(state, command);
  if (target.error != 0) return status(target.error);
  FileNode& ef = *target.ef;
  if (ef.type != FileNode::Type::TransparentEF) return status(sw::kIncompatibleFile);
  if (!accessAllowed(state, ef.update)) return status(sw::kSecurityNotSatisfied);
  if (target.offset > ef.data.size()) return status(sw::kWrongOffset);
  if (command.data.size() > ef.data.size() - target.offset) return status(sw::kWrongLength);
  std::copy(command.data.begin(), command.data.end(),
            ef.data.begin() + static_cast<std::ptrdiff_t>(target.offset));
  return status(sw::kOk);
}

Result readRecord(CardState& state, const apdu::CommandApdu& command) {
  if (!command.data.empty() || !command.ne) return status(sw::kWrongLength);
  const RecordTarget target = recordTarget(state, command);
  if (target.error != 0) return status(target.error);
  if (!accessAllowed(state, target.ef->read)) return status(sw::kSecurityNotSatisfied);
  if (command.p1 > target.ef->records.size()) return status(sw::kRecordNotFound);
  return Result{target.ef->records[command.p1 - 1u], sw::kOk, true};
}

Result updateRecord(CardState& state, const apdu::CommandApdu& command) {
  if (command.data.empty()) return status(sw::kWrongLength);
  const RecordTarget target = recordTarget(state, command);
  if (target.error != 0) return status(target.error);
  if (!accessAllowed(state, target.ef->update)) return status(sw::kSecurityNotSatisfied);
  if (command.p1 > target.ef->records.size()) return status(sw::kRecordNotFound);
  target.ef->records[command.p1 - 1u] = command.data;
  return status(sw::kOk);
}

}  // namespace hcbridge::sim::detail
