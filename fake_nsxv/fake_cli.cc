// The fake-nsxv command line: flags, option building, --faults/--state loading and the server
// run until SIGINT/SIGTERM. The --demo flow is in fake_demo.cc.
#include "fake_nsxv/fake_cli.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "driver/common/clock.h"
#include "driver/common/status.h"
#include "fake_nsxv/fake_demo.h"
#include "fake_nsxv/fake_manager.h"
#include "fake_nsxv/fault_plan.h"
#include "fake_nsxv/model.h"
#include "fake_nsxv/server.h"

namespace nsxv::fake {
namespace {

using json = nlohmann::json;

constexpr int kExitOk = kFakeExitOk;
constexpr int kExitFailed = kFakeExitFailed;
constexpr int kExitUsage = kFakeExitUsage;

// A failure to report as "<program>: <message>" with an exit code.
struct Failure {
  int exit_code;
  std::string message;
};

// Where the output goes and how messages are prefixed.
struct Io {
  std::ostream& out;
  std::ostream& err;
  std::string program;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

Duration Seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// "HOST:PORT", "[v6]:PORT" or ":PORT" (127.0.0.1).
std::optional<Failure> ParseListen(const std::string& text, ServerOptions* out) {
  const auto bad = [&](const std::string& why) {
    return Failure{kExitUsage, "--listen " + text + ": " + why};
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("expected HOST:PORT");
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return bad("port must be a number in [0, 65535]");
  }
  out->host = host;
  out->port = static_cast<uint16_t>(std::stoi(port));
  return std::nullopt;
}

// Builds the manager's options and the server's from the flags; checks every file.
std::optional<Failure> BuildOptions(const FakeCliFlags& flags, FakeOptions* fake,
                                    ServerOptions* server) {
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    return Failure{kExitUsage, "--cert and --key go together: give both or neither"};
  }
  if (flags.http && !flags.cert_file.empty()) {
    return Failure{kExitUsage, "--http cannot be combined with --cert/--key"};
  }
  if (!(flags.time_scale > 0)) {
    std::ostringstream value;
    value << flags.time_scale;
    return Failure{kExitUsage, "--time-scale " + value.str() + ": must be > 0"};
  }
  if (auto f = ParseListen(flags.listen, server)) return f;
  server->tls = !flags.http;
  server->threads = flags.threads;
  server->cert_file = flags.cert_file;
  server->key_file = flags.key_file;

  fake->user = flags.user;
  fake->password = flags.password;
  fake->seed = flags.seed;
  fake->time_scale = flags.time_scale;
  fake->journal_capacity = flags.journal_capacity;
  fake->model.deploy_duration = Seconds(flags.deploy_duration_s);
  fake->model.config_duration = Seconds(flags.config_duration_s);
  fake->model.busy_policy =
      flags.busy_policy == "reject" ? BusyPolicy::kReject : BusyPolicy::kSerialize;
  fake->model.time_scale = flags.time_scale;
  fake->model.page_size = flags.page_size;
  return std::nullopt;
}

// Loads --faults and --state into the manager.
std::optional<Failure> LoadFiles(const FakeCliFlags& flags, FakeManager& manager) {
  if (!flags.faults_file.empty()) {
    const std::optional<std::string> text = ReadFile(flags.faults_file);
    if (!text) return Failure{kExitUsage, "--faults " + flags.faults_file + ": cannot read file"};
    auto plan = FaultPlan::FromJsonText(*text, flags.seed);
    if (!plan.ok()) {
      return Failure{kExitUsage, "--faults " + flags.faults_file + ": " + plan.error().message()};
    }
    manager.SetFaultPlan(std::move(plan).value());
  }
  if (!flags.state_file.empty()) {
    const std::optional<std::string> text = ReadFile(flags.state_file);
    if (!text) return Failure{kExitUsage, "--state " + flags.state_file + ": cannot read file"};
    json state;
    try {
      state = json::parse(*text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::exception& e) {
      // e.what() is "[json.exception.parse_error.101] parse error at line 2, column 1: ..." or,
      // for a number beyond a double, "[json.exception.out_of_range.406] number overflow ...".
      std::string what = e.what();
      const size_t bracket = what.find("] ");
      if (bracket != std::string::npos) what = what.substr(bracket + 2);
      return Failure{kExitUsage, "--state " + flags.state_file + ": " + what};
    }
    const Status loaded = manager.model().Load(state);
    if (!loaded.ok()) {
      return Failure{kExitUsage, "--state " + flags.state_file + ": " + loaded.message()};
    }
  }
  return std::nullopt;
}

void WarnUnmatchedRules(FakeManager& manager) {
  const std::shared_ptr<const FaultPlan> plan = manager.fault_plan();
  if (!plan) return;
  for (const std::string& rule : plan->UnmatchedRules()) {
    spdlog::warn("fault rule \"{}\" matched no request", rule);
  }
}

int RunServer(const FakeCliFlags& flags, const FakeOptions& fake_options,
              ServerOptions server_options, const Io& io) {
  // Block the stop signals before any thread starts, so that every thread inherits the mask and
  // only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FakeManager manager(RealClock(), fake_options);
  if (auto failure = LoadFiles(flags, manager)) {
    io.err << io.program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  auto server = Server::Start(manager, std::move(server_options));
  if (!server.ok()) {
    // TLS file errors start with the file name; say which flag gave it.
    const std::string& message = server.error().message();
    std::string flag;
    if (!flags.cert_file.empty() && message.starts_with(flags.cert_file + ":")) flag = "--cert ";
    if (flag.empty() && !flags.key_file.empty() && message.starts_with(flags.key_file + ":")) {
      flag = "--key ";
    }
    io.err << io.program << ": " << flag << message << "\n";
    return server.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  io.out << "listening on " << (*server)->url() << std::endl;
  spdlog::info("user {}, seed {}, time scale {}, {} thread(s){}", flags.user, flags.seed,
               flags.time_scale, flags.threads,
               (*server)->tls() && flags.cert_file.empty() ? ", self-signed certificate" : "");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{}: stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  const ServerCounters counters = (*server)->counters();
  spdlog::info("served {} request(s) on {} connection(s)", counters.requests,
               counters.connections_accepted);
  WarnUnmatchedRules(manager);
  return kExitOk;
}

int RunDemo(const FakeCliFlags& flags, FakeOptions fake_options, const Io& io) {
  fake_options.model.page_size = 2;  // the demo's paging check: three edges on two pages
  FakeManager manager(RealClock(), fake_options);
  if (auto failure = LoadFiles(flags, manager)) {
    io.err << io.program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  return RunDemoFlow(manager, flags, io.out, io.err, io.program);
}

}  // namespace

void AddFakeFlags(CLI::App& app, FakeCliFlags& flags, bool log_flags) {
  app.add_option("--listen", flags.listen,
                 "Address to listen on, HOST:PORT; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--user", flags.user, "Basic-auth user name")->capture_default_str();
  app.add_option("--password", flags.password, "Basic-auth password")->capture_default_str();
  app.add_option("--cert", flags.cert_file,
                 "Server certificate, PEM file (with --key); default: a generated self-signed one");
  app.add_option("--key", flags.key_file, "Private key of --cert, PEM file");
  app.add_flag("--http", flags.http, "Serve plain HTTP instead of HTTPS");
  app.add_option("--threads", flags.threads, "Server I/O threads")
      ->check(CLI::Range(1, kMaxServerThreads))
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "Seed of fault decisions (when the plan has none)")
      ->capture_default_str();
  app.add_option("--time-scale", flags.time_scale,
                 "Clock time per virtual second of latency, deploys and jobs (> 0)")
      ->capture_default_str();
  app.add_option("--faults", flags.faults_file, "Fault plan, JSON file (comments allowed)");
  app.add_option("--state", flags.state_file,
                 "Initial state, JSON file as GET /__fake/state gives");
  app.add_option("--deploy-duration", flags.deploy_duration_s,
                 "Virtual seconds an edge deploy takes")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--config-duration", flags.config_duration_s,
                 "Virtual seconds a config change keeps an edge busy")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--busy-policy", flags.busy_policy,
                 "Config change to a busy edge: wait for it (serialize) or answer 409 (reject)")
      ->check(CLI::IsMember({"serialize", "reject"}))
      ->capture_default_str();
  app.add_option("--page-size", flags.page_size, "Edges per page of GET /api/4.0/edges")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--journal-capacity", flags.journal_capacity,
                 "Requests kept in the journal (/__fake/journal)")
      ->check(CLI::Range(size_t{1}, size_t{100000000}))
      ->capture_default_str();
  app.add_flag("--demo", flags.demo,
               "Self-demo: start on 127.0.0.1:0, drive a scripted NSX flow with faults through "
               "HTTPS, print a summary; exit 0 when every check passes");

  if (log_flags) {
    app.add_flag("-v,--verbose", flags.verbose, "More logging on stderr (-vv: trace)");
    app.add_flag("-q,--quiet", flags.quiet, "Log only warnings and errors");
  }
}

int RunFake(const FakeCliFlags& flags, std::ostream& out, std::ostream& err,
            const std::string& program) {
  const Io io{out, err, program};
  FakeOptions fake_options;
  ServerOptions server_options;
  if (auto failure = BuildOptions(flags, &fake_options, &server_options)) {
    err << program << ": " << failure->message << "\n";
    return failure->exit_code;
  }
  if (flags.demo) return RunDemo(flags, fake_options, io);
  return RunServer(flags, fake_options, std::move(server_options), io);
}

int FakeMain(int argc, char** argv) {
  FakeCliFlags flags;
  CLI::App app{
      "fake-nsxv: a stateful fake VMware NSX-v manager (REST over HTTPS) with fault "
      "injection, for tests and benchmarks of the metadata-proxy driver.",
      "fake-nsxv"};
  AddFakeFlags(app, flags, /*log_flags=*/true);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "fake-nsxv: " << e.what() << "\n";
    return kFakeExitUsage;
  }

  auto logger = spdlog::stderr_color_mt("fake-nsxv");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(flags.quiet          ? spdlog::level::warn
                    : flags.verbose >= 2 ? spdlog::level::trace
                    : flags.verbose == 1 ? spdlog::level::debug
                                         : spdlog::level::info);
  return RunFake(flags, std::cout, std::cerr, "fake-nsxv");
}

}  // namespace nsxv::fake
