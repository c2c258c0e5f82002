#include "driver/store/ipam.h"

#include <algorithm>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "driver/store/ipv4.h"

namespace nsxv::store {
namespace {

struct SubnetIpam {
  std::string cidr;
  std::optional<std::string> gateway_ip;
  int64_t cursor = 0;
  std::vector<std::pair<int64_t, int64_t>> pools;
};

Result<SubnetIpam> LoadIpam(Db& db, const std::string& subnet_id) {
  SubnetIpam out;
  {
    NSXV_ASSIGN_OR_RETURN(
        Stmt stmt, db.Prepare("SELECT cidr, gateway_ip, ipam_cursor FROM subnets WHERE id = ?"));
    stmt.BindAll(subnet_id);
    NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return NotFound("subnet " + subnet_id + " not found");
    out.cidr = stmt.Text(0);
    out.gateway_ip = stmt.OptText(1);
    out.cursor = stmt.Int(2);
  }
  NSXV_ASSIGN_OR_RETURN(Stmt pools, db.Prepare("SELECT first_int, last_int FROM allocation_pools "
                                               "WHERE subnet_id = ? ORDER BY first_int"));
  pools.BindAll(subnet_id);
  for (;;) {
    NSXV_ASSIGN_OR_RETURN(const bool row, pools.Step());
    if (!row) break;
    out.pools.emplace_back(pools.Int(0), pools.Int(1));
  }
  return out;
}

Result<bool> IsAllocated(Db& db, const std::string& subnet_id, int64_t ip) {
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("SELECT 1 FROM ipallocations WHERE subnet_id = ? AND ip_int = ?"));
  stmt.BindAll(subnet_id, ip);
  return stmt.Step();
}

// The first free address in [a, b], or nullopt.
Result<std::optional<int64_t>> FirstFree(Db& db, const std::string& subnet_id, int64_t a,
                                         int64_t b) {
  NSXV_ASSIGN_OR_RETURN(const bool taken, IsAllocated(db, subnet_id, a));
  if (!taken) return std::optional<int64_t>(a);
  // a is taken: the answer is one past the end of the run of allocated addresses that starts
  // at a, i.e. the smallest allocated x >= a whose successor is free (and x < b).
  NSXV_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("SELECT x.ip_int + 1 FROM ipallocations x WHERE x.subnet_id = ?1 "
                            "AND x.ip_int >= ?2 AND x.ip_int < ?3 AND NOT EXISTS (SELECT 1 FROM "
                            "ipallocations y WHERE y.subnet_id = ?1 AND y.ip_int = x.ip_int + 1) "
                            "ORDER BY x.ip_int LIMIT 1"));
  stmt.BindAll(subnet_id, a, b);
  NSXV_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.Int(0));
}

Status Insert(Db& db, const std::string& subnet_id, int64_t ip, const std::string& port_id,
              const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare("INSERT INTO ipallocations (subnet_id, ip_int, "
                                              "ip_address, port_id, network_id) "
                                              "VALUES (?, ?, ?, ?, ?)"));
  stmt.BindAll(subnet_id, ip, FormatIpv4(static_cast<uint32_t>(ip)), port_id, network_id);
  return stmt.Run().status();
}

Status RequireTransaction(Db& db, const char* what) {
  if (db.in_transaction()) return Status::Ok();
  return Internal(std::string(what) + " called outside a transaction");
}

}  // namespace

Result<std::string> AllocateIp(Context& ctx, const std::string& subnet_id,
                               const std::string& port_id, const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_RETURN_IF_ERROR(RequireTransaction(*db, "AllocateIp"));
  NSXV_ASSIGN_OR_RETURN(const SubnetIpam ipam, LoadIpam(*db, subnet_id));

  // Search order: from the cursor to the end of the pools, then wrap from the first pool.
  std::vector<std::pair<int64_t, int64_t>> segments;
  for (const auto& [first, last] : ipam.pools) {
    if (last >= ipam.cursor) segments.emplace_back(std::max(first, ipam.cursor), last);
  }
  for (const auto& [first, last] : ipam.pools) {
    if (first < ipam.cursor) segments.emplace_back(first, std::min(last, ipam.cursor - 1));
  }
  std::optional<int64_t> ip;
  for (const auto& [a, b] : segments) {
    NSXV_ASSIGN_OR_RETURN(ip, FirstFree(*db, subnet_id, a, b));
    if (ip) break;
  }
  if (!ip) {
    return Status(StatusCode::kResourceExhausted,
                  "no more IP addresses available on subnet " + subnet_id + " (" + ipam.cidr + ")");
  }
  Status inserted = Insert(*db, subnet_id, *ip, port_id, network_id);
  if (inserted.code() == StatusCode::kAlreadyExists) {
    // Another allocator took the address since our snapshot (MariaDB; on SQLite the IMMEDIATE
    // transaction rules it out): the unit of work is retried.
    return Status(StatusCode::kConflict,
                  "lost an allocation race on subnet " + subnet_id + ": " + inserted.message());
  }
  NSXV_RETURN_IF_ERROR(inserted);
  NSXV_ASSIGN_OR_RETURN(Stmt cursor,
                        db->Prepare("UPDATE subnets SET ipam_cursor = ? WHERE id = ?"));
  cursor.BindAll(*ip + 1, subnet_id);
  NSXV_RETURN_IF_ERROR(cursor.Run().status());
  return FormatIpv4(static_cast<uint32_t>(*ip));
}

Status AllocateSpecificIp(Context& ctx, const std::string& subnet_id, const std::string& ip_text,
                          const std::string& port_id, const std::string& network_id) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  NSXV_RETURN_IF_ERROR(RequireTransaction(*db, "AllocateSpecificIp"));
  NSXV_ASSIGN_OR_RETURN(const SubnetIpam ipam, LoadIpam(*db, subnet_id));
  NSXV_ASSIGN_OR_RETURN(const uint32_t ip, ParseIpv4(ip_text));
  NSXV_ASSIGN_OR_RETURN(const Cidr cidr, ParseCidr(ipam.cidr));
  const std::string where = " subnet " + subnet_id + " (" + ipam.cidr + ")";
  if (!cidr.Contains(ip)) {
    return InvalidArgument("IP address " + ip_text + " is not in" + where);
  }
  if (cidr.prefix < 31 && (ip == cidr.first() || ip == cidr.last())) {
    return InvalidArgument("IP address " + ip_text + " is the network or broadcast address of" +
                           where);
  }
  if (ipam.gateway_ip && *ipam.gateway_ip == FormatIpv4(ip)) {
    return InvalidArgument("IP address " + ip_text + " is the gateway of" + where);
  }
  Status s = Insert(*db, subnet_id, ip, port_id, network_id);
  if (s.code() == StatusCode::kAlreadyExists) {
    return {StatusCode::kAlreadyExists,
            "IP address " + ip_text + " is already allocated in" + where};
  }
  return s;
}

Status RunInTransaction(Context& ctx, const std::function<Status()>& body, int max_attempts) {
  NSXV_ASSIGN_OR_RETURN(Db * db, ctx.db());
  if (db->in_transaction()) {
    NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
    NSXV_RETURN_IF_ERROR(body());
    return txn.Commit();
  }
  thread_local std::minstd_rand jitter{std::random_device{}()};
  Duration cap = std::chrono::milliseconds(1);
  Status last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    last = [&]() -> Status {
      NSXV_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
      NSXV_RETURN_IF_ERROR(body());
      return txn.Commit();
    }();
    if (last.ok()) return last;
    if (last.code() != StatusCode::kUnavailable && last.code() != StatusCode::kConflict) {
      return last;
    }
    if (attempt == max_attempts) break;
    std::uniform_int_distribution<Duration::rep> pick(cap.count() / 2, cap.count());
    ctx.clock().SleepFor(Duration(pick(jitter)));
    cap = std::min<Duration>(cap * 2, std::chrono::milliseconds(100));
  }
  return Status(last.code(),
                "gave up after " + std::to_string(max_attempts) + " attempts: " + last.message());
}

}  // namespace nsxv::store
