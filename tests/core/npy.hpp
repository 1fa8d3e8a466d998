// Minimal .npy reader for the generated reference fixtures (float32/float64, little-endian, C order).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cryscope_test {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;  // converted to double whatever the stored dtype
  std::size_t size() const { return data.size(); }
};

inline NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  char magic[6];
  f.read(magic, 6);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  unsigned char ver[2];
  f.read(reinterpret_cast<char*>(ver), 2);
  std::uint32_t header_len = 0;
  if (ver[0] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  f.read(&header[0], header_len);
  if (header.find("'fortran_order': False") == std::string::npos) throw std::runtime_error(path + ": not C order");
  std::size_t elem = 0;
  bool is_f8 = false;
  if (header.find("'<f4'") != std::string::npos) {
    elem = 4;
  } else if (header.find("'<f8'") != std::string::npos) {
    elem = 8;
    is_f8 = true;
  } else {
    throw std::runtime_error(path + ": unsupported dtype in header " + header);
  }
  NpyArray a;
  const auto lp = header.find("'shape': (");
  const auto rp = header.find(')', lp);
  std::stringstream ss(header.substr(lp + 10, rp - lp - 10));
  std::string tok;
  std::size_t count = 1;
  while (std::getline(ss, tok, ',')) {
    if (tok.find_first_not_of(' ') == std::string::npos) continue;
    a.shape.push_back(static_cast<std::size_t>(std::stoull(tok)));
    count *= a.shape.back();
  }
  a.data.resize(count);
  if (is_f8) {
    f.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(count * elem));
  } else {
    std::vector<float> tmp(count);
    f.read(reinterpret_cast<char*>(tmp.data()), static_cast<std::streamsize>(count * elem));
    for (std::size_t i = 0; i < count; ++i) a.data[i] = tmp[i];
  }
  if (!f) throw std::runtime_error(path + ": truncated");
  return a;
}

inline std::vector<float> to_float(const NpyArray& a) { return std::vector<float>(a.data.begin(), a.data.end()); }

}  // namespace cryscope_test
