#include "scenarios/node.h"

#include <thread>

#include "driver/config/mapping.h"
#include "driver/locking/mysql_lock.h"

namespace nsxv::scenarios {

Node::Node(std::string name, Transport& below, Clock& clock, std::string lock_dir, bool real_time)
    : name_(name),
      transport_(below, std::move(name)),
      clock_(clock, transport_, real_time),
      lock_dir_(std::move(lock_dir)) {}

Node::~Node() { Stop(); }

void Node::Stop() {
  handler_.reset();
  plugin_.reset();
  locks_.reset();
  vcns_.reset();
  client_.reset();
}

Status Node::Start(config::Config config) {
  // Checked before anything is torn down: a refused configuration keeps the running node.
  md_proxy::MdProxyConfig md = config::ToMdProxyConfig(config);
  if (!md.Enabled()) {
    return Status(StatusCode::kInvalidArgument,
                  "node " + name_ + ": metadata proxy is not configured: " + md.DisabledReason());
  }
  NSXV_RETURN_IF_ERROR(md.Validate());
  Stop();
  config_ = std::move(config);
  md_ = md;
  transport_.CrashAfter(-1);
  client_ =
      std::make_unique<driver::ApiClient>(transport_, clock_, config::ToApiClientOptions(config_));
  vcns_ = std::make_unique<driver::Vcns>(*client_);
  locking::HostLockOptions lopt;
  lopt.lock_dir = lock_dir_;
  auto locks = locking::MakeLockProvider(RealClock(), config_.locking_coordinator_url, lopt);
  if (!locks.ok()) {
    return Status(StatusCode::kInvalidArgument, "node " + name_ + ": " + locks.error().message());
  }
  locks_ = std::move(locks).value();
  plugin_ = std::make_unique<plugin::Plugin>(*vcns_, *locks_, config::ToPluginConfig(config_));
  handler_ = std::make_unique<md_proxy::MetadataProxyHandler>(
      *vcns_, md_proxy::MakeContextFactory(config::ToContextOptions(config_)), *plugin_, *locks_,
      clock_, std::move(md));
  return Status::Ok();
}

void Node::AnnounceInit() {
  MutexLock lock(&launch_mu_);
  ++announced_inits_;
}

void Node::InitEntering() {
  MutexLock lock(&launch_mu_);
  if (announced_inits_ > 0) --announced_inits_;
  launch_cv_.SignalAll();
}

void Node::AwaitAnnouncedInits() {
  bool announced = false;
  {
    MutexLock lock(&launch_mu_);
    announced = announced_inits_ > 0;
    while (announced_inits_ > 0) launch_cv_.Wait(&launch_mu_);
  }
  if (!announced || !handler_) return;
  // InitEntering() runs just before Init() marks itself running: wait (bounded) for that mark,
  // so a create never meets the gap between the two.
  for (int i = 0; i < 10000 && !handler_->initialized() && !handler_->init_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

Result<std::unique_ptr<store::Context>> Node::OpenContext() const {
  store::ContextOptions o = config::ToContextOptions(config_);
  o.tenant_id = "scenario-tenant";
  o.is_admin = true;
  return store::Context::Open(o);
}

}  // namespace nsxv::scenarios
