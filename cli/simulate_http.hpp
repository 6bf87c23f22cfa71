// A minimal blocking HTTP/1.1 client for `zhixuan simulate` talking to the aggregation server
// on 127.0.0.1 (one request per connection, Content-Length bodies only). Not a general client.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan::cli {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// url: http://127.0.0.1:PORT/path
StatusOr<HttpResponse> HttpRequest(const std::string& method, const std::string& url,
                                   const std::map<std::string, std::string>& headers, const std::string& body);

}  // namespace zhixuan::cli
