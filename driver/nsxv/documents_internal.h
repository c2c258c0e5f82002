// Codec pieces shared by documents.cc and documents_edge.cc (the edge document embeds vnics).
// Internal to driver/nsxv; pure functions, no state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json_fwd.hpp>

#include "driver/common/status.h"
#include "driver/nsxv/documents.h"
#include "driver/nsxv/json_codec.h"

namespace nsxv::driver::internal {

// Sets out[key] when the optional holds a value.
void PutOpt(nlohmann::json& out, const char* key, const std::optional<std::string>& v);
void PutOpt(nlohmann::json& out, const char* key, const std::optional<bool>& v);
void PutOpt(nlohmann::json& out, const char* key, const std::optional<int64_t>& v);
void PutOpt(nlohmann::json& out, const char* key, const std::optional<IntOrString>& v);
// A number when it came as one (and is one), a string otherwise.
nlohmann::json ToJson(const IntOrString& v);

// Runs `fn` on a reader of array element `v` and stores its leftovers in *extra.
// Decodes a whole response body as one object with `fn`; *extra receives the unknown fields.
Status DecodeBody(std::string_view body, const char* doc,
                  const std::function<Status(ObjectReader&)>& fn, std::string* extra);

// DecodeBody into a fresh T; the unknown fields go to T::extra when T has one.
template <typename T>
Result<T> DecodeDocument(std::string_view body, const char* doc,
                         const std::function<Status(ObjectReader&, T*)>& fn) {
  T out;
  std::string extra;
  NSXV_TRY(DecodeBody(
      body, doc, [&](ObjectReader& r) { return fn(r, &out); }, &extra));
  if constexpr (requires { out.extra; }) out.extra = std::move(extra);
  return out;
}

Status DecodeElement(const nlohmann::json& v, const std::string& where, std::string* extra,
                     const std::function<Status(ObjectReader&)>& fn);

Status ReadAddressGroup(ObjectReader& r, AddressGroup* g);
nlohmann::json AddressGroupJson(const AddressGroup& g);
Status ReadVnic(ObjectReader& r, Vnic* v);
nlohmann::json VnicJson(const Vnic& v);

}  // namespace nsxv::driver::internal
