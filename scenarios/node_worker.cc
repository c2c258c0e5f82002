#include "scenarios/node_worker.h"

#include <istream>
#include <memory>
#include <ostream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "driver/common/mutex.h"
#include "driver/config/mapping.h"
#include "driver/transport/beast_transport.h"
#include "scenarios/node.h"
#include "scenarios/node_ops.h"
#include "scenarios/runner.h"

namespace nsxv::scenarios {
namespace {

using json = nlohmann::json;

// One JSON document a line on `out`, from any thread.
class LineWriter {
 public:
  explicit LineWriter(std::ostream& out) : out_(out) {}
  void Write(const json& doc) EXCLUDES(mu_) {
    const std::string line = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    MutexLock lock(&mu_);
    out_ << line << '\n';
    out_.flush();
  }

 private:
  Mutex mu_;
  std::ostream& out_ GUARDED_BY(mu_);
};

// Announces each request on the answer channel before sending it.
class AnnouncingTransport final : public Transport {
 public:
  AnnouncingTransport(Transport& inner, LineWriter& writer, std::string node_prefix)
      : inner_(inner), writer_(writer), prefix_(std::move(node_prefix)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::string path(request.Path());
    if (!prefix_.empty() && path.starts_with(prefix_)) path.erase(0, prefix_.size());
    writer_.Write({{"req", {request.method, path}}});
    return inner_.Send(request);
  }

 private:
  Transport& inner_;
  LineWriter& writer_;
  const std::string prefix_;
};

// A simulated clock whose sleeps also move the fake's simulated clock.
class FakeSyncedClock final : public Clock {
 public:
  FakeSyncedClock(Transport& raw, std::string authorization)
      : raw_(raw), authorization_(std::move(authorization)) {}
  TimePoint Now() const override { return local_.Now(); }
  void SleepFor(Duration d) override {
    if (d.count() <= 0) return;
    local_.Advance(d);
    HttpRequest request;
    request.method = "POST";
    request.target =
        "/__fake/clock/advance?seconds=" + std::to_string(std::chrono::duration<double>(d).count());
    request.headers.Set("Authorization", authorization_);
    auto answer = raw_.Send(request);
    if (!answer.ok() || answer->status != 204) {
      spdlog::warn("op=clock_advance status={} error={}", answer.ok() ? answer->status : 0,
                   answer.ok() ? "" : answer.error().message());
    }
  }

 private:
  Transport& raw_;
  const std::string authorization_;
  SimulatedClock local_;
};

}  // namespace

int RunNodeWorker(const NodeWorkerOptions& options, std::istream& in, std::ostream& out) {
  LineWriter writer(out);
  auto refuse = [&](const std::string& why) {
    writer.Write({{"ready", false}, {"error", "node " + options.node + ": " + why}});
    return 2;
  };
  config::LoadOptions load;
  load.file = options.config_file;
  auto config = config::LoadConfig(load, ScenarioBaseConfig());
  if (!config.ok()) return refuse(config.error().message());
  BeastTransportOptions topt = config::ToTransportOptions(*config);
  topt.pool_size = 16;
  auto raw = BeastTransport::Create(topt);
  if (!raw.ok()) return refuse(raw.error().message());
  // The path part of manager_uri ("/__node/a.1"), which the ApiClient puts before every target.
  const std::string uri = config->nsxv.manager_uri.value_or("");
  const size_t scheme = uri.find("://");
  const size_t slash = scheme == std::string::npos ? std::string::npos : uri.find('/', scheme + 3);
  const std::string prefix = slash == std::string::npos ? "" : uri.substr(slash);
  AnnouncingTransport announcing(**raw, writer, prefix);
  FakeSyncedClock clock(**raw,
                        "Basic " + Base64Encode(config->nsxv.user + ":" + config->nsxv.password));
  Node node(options.node, announcing, clock, options.lock_dir);
  if (Status s = node.Start(*config); !s.ok()) return refuse(s.message());
  writer.Write({{"ready", true}});

  std::vector<std::thread> ops;
  std::string line;
  while (std::getline(in, line)) {
    const json doc = json::parse(line, nullptr, false);
    if (!doc.is_object() || !doc.contains("id")) {
      spdlog::error("op=worker_input error=\"not a request line\"");
      continue;
    }
    const json id = doc["id"];
    if (doc.contains("announce_init")) {
      node.AnnounceInit();
      writer.Write({{"id", id}, {"ok", true}});
      continue;
    }
    auto op = doc.contains("op") ? NodeOpFromJson(doc["op"])
                                 : Result<NodeOp>(InvalidArgument("no op in the request line"));
    if (!op.ok()) {
      writer.Write({{"id", id}, {"error", op.error().message()}});
      continue;
    }
    ops.emplace_back([&node, &writer, id, op = std::move(op).value()] {
      writer.Write({{"id", id}, {"result", NodeOpResultToJson(RunNodeOp(node, op))}});
    });
  }
  for (std::thread& t : ops) t.join();
  return 0;
}

}  // namespace nsxv::scenarios
