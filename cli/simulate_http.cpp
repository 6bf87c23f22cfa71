#include "simulate_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace zhixuan::cli {
namespace {

Status Io(const std::string& what) { return Status(StatusCode::kIo, what + ": " + std::strerror(errno)); }

}  // namespace

StatusOr<HttpResponse> HttpRequest(const std::string& method, const std::string& url,
                                   const std::map<std::string, std::string>& headers, const std::string& body) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) return InvalidArgument("only http:// URLs: " + url);
  const size_t slash = url.find('/', prefix.size());
  const std::string host_port = url.substr(prefix.size(), slash - prefix.size());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("URL needs a port: " + url);
  const std::string host = host_port.substr(0, colon);
  const int port = std::atoi(host_port.c_str() + colon + 1);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return InvalidArgument("host must be an IPv4 address: " + host);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Io("socket");
  struct Closer { int fd; ~Closer() { close(fd); } } closer{fd};
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Io("connect " + host_port);

  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host_port + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Io("send");
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) return Io("recv");
    if (n == 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  const size_t header_end = raw.find("\r\n\r\n");
  if (header_end == std::string::npos || raw.rfind("HTTP/1.1 ", 0) != 0) return Status(StatusCode::kIo, "malformed HTTP response from " + url);
  HttpResponse response;
  response.status = std::atoi(raw.c_str() + 9);
  size_t line_start = raw.find("\r\n") + 2;
  while (line_start < header_end) {
    const size_t line_end = raw.find("\r\n", line_start);
    const std::string line = raw.substr(line_start, line_end - line_start);
    const size_t sep = line.find(':');
    if (sep != std::string::npos) {
      std::string name = line.substr(0, sep);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      size_t v = sep + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      response.headers[name] = line.substr(v);
    }
    line_start = line_end + 2;
  }
  response.body = raw.substr(header_end + 4);
  if (response.headers.count("transfer-encoding")) return Status(StatusCode::kUnsupported, "chunked responses are not supported");
  return response;
}

}  // namespace zhixuan::cli
