#include "driver/config/mapping.h"

namespace nsxv::config {

BeastTransportOptions ToTransportOptions(const Config& config) {
  const NsxvOptions& o = config.nsxv;
  BeastTransportOptions t;
  t.url = o.manager_uri.value_or("");
  // insecure turns verification off even with a CA file (the file is then not read either).
  if (!o.insecure) t.ca_file = o.ca_file.value_or("");
  t.insecure = o.insecure;
  t.default_timeout = std::chrono::seconds(o.nsx_transaction_timeout);
  return t;
}

driver::ApiClientOptions ToApiClientOptions(const Config& config) {
  const NsxvOptions& o = config.nsxv;
  driver::ApiClientOptions a;
  a.manager_uri = o.manager_uri.value_or("");
  a.user = o.user;
  a.password = o.password;
  a.retries = o.retries;
  a.timeout = std::chrono::seconds(o.nsx_transaction_timeout);
  a.secrets = Secrets(config);
  return a;
}

plugin::PluginConfig ToPluginConfig(const Config& config) {
  const NsxvOptions& o = config.nsxv;
  plugin::PluginConfig p;
  p.vdn_scope_id = o.vdn_scope_id.value_or("");
  p.external_network = o.external_network.value_or("");
  p.datacenter_moid = o.datacenter_moid;
  p.deployment_container_id = o.deployment_container_id;
  p.resource_pool_id = o.resource_pool_id;
  p.datastore_id = o.datastore_id;
  p.ha_datastore_id = o.ha_datastore_id;
  p.edge_ha = o.edge_ha;
  p.exclusive_router_appliance_size = o.exclusive_router_appliance_size;
  p.edge_appliance_user = o.edge_appliance_user;
  p.edge_appliance_password = o.edge_appliance_password;
  p.maximum_tunnels_per_vnic = o.maximum_tunnels_per_vnic;
  return p;
}

md_proxy::MdProxyConfig ToMdProxyConfig(const Config& config) {
  const NsxvOptions& o = config.nsxv;
  md_proxy::MdProxyConfig m;
  m.mgt_net_moid = o.mgt_net_moid.value_or("");
  m.mgt_net_proxy_ips = o.mgt_net_proxy_ips;
  m.mgt_net_proxy_netmask = o.mgt_net_proxy_netmask.value_or("");
  m.mgt_net_default_gateway = o.mgt_net_default_gateway.value_or("");
  m.nova_metadata_ips = o.nova_metadata_ips;
  m.nova_metadata_port = o.nova_metadata_port;
  m.metadata_shared_secret = o.metadata_shared_secret.value_or("");
  m.metadata_insecure = o.metadata_insecure;
  m.metadata_nova_client_cert = o.metadata_nova_client_cert.value_or("");
  m.metadata_nova_client_priv_key = o.metadata_nova_client_priv_key.value_or("");
  m.metadata_initializer = o.metadata_initializer;
  m.metadata_service_allowed_ports = o.metadata_service_allowed_ports;
  m.max_init_threads = o.max_init_threads;
  return m;
}

std::vector<std::string> Secrets(const Config& config) {
  const NsxvOptions& o = config.nsxv;
  std::vector<std::string> secrets;
  if (!o.password.empty()) secrets.push_back(o.password);
  if (o.metadata_shared_secret) secrets.push_back(*o.metadata_shared_secret);
  if (o.edge_appliance_password) secrets.push_back(*o.edge_appliance_password);
  return secrets;
}

store::ContextOptions ToContextOptions(const Config& config) {
  store::ContextOptions o;
  if (config.database.connection.empty()) {
    o.path = config.database.path;
  } else {
    o.connection = config.database.connection;
  }
  return o;
}

}  // namespace nsxv::config
