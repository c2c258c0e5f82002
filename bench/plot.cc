#include "bench/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "driver/nsxv/json_codec.h"

namespace nsxv::bench {

using driver::XmlEscape;

namespace {

constexpr int kMarginLeft = 58;
constexpr int kMarginRight = 52;
constexpr int kMarginTop = 28;
constexpr int kMarginBottom = 64;
constexpr int kFigureTitleHeight = 34;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// A short tick label: 0.25, 3, 1200, 1.5k.
std::string TickLabel(double v) {
  char buf[32];
  if (std::fabs(v) >= 10000) {
    std::snprintf(buf, sizeof(buf), "%gk", v / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), "%g", v);
  }
  return buf;
}

class PanelFrame {
 public:
  PanelFrame(double x0, double y0, double w, double h, double xmin, double xmax, bool log2_x,
             double ymax, double y2max)
      : x0_(x0),
        y0_(y0),
        w_(w),
        h_(h),
        log2_x_(log2_x),
        xmin_(log2_x ? std::log2(xmin) : xmin),
        xmax_(log2_x ? std::log2(xmax) : xmax),
        ymax_(ymax),
        y2max_(y2max) {}

  double X(double x) const {
    const double v = log2_x_ ? std::log2(x) : x;
    if (xmax_ <= xmin_) return x0_ + w_ / 2;
    return x0_ + (v - xmin_) / (xmax_ - xmin_) * w_;
  }
  double Y(double y, bool right) const {
    const double top = right ? y2max_ : ymax_;
    if (top <= 0) return y0_ + h_;
    return y0_ + h_ - std::clamp(y / top, 0.0, 1.05) * h_;
  }

 private:
  double x0_, y0_, w_, h_;
  bool log2_x_;
  double xmin_, xmax_, ymax_, y2max_;
};

void RenderPanel(const PlotPanel& panel, double ox, double oy, double width, double height,
                 std::ostringstream& svg) {
  const double pw = width - kMarginLeft - kMarginRight;
  const double ph = height - kMarginTop - kMarginBottom;
  const double px = ox + kMarginLeft;
  const double py = oy + kMarginTop;

  svg << "<text x=\"" << Num(ox + width / 2) << "\" y=\"" << Num(oy + 18)
      << "\" text-anchor=\"middle\" font-weight=\"bold\">" << XmlEscape(panel.title) << "</text>\n";

  std::set<double> xs;
  double ymax = 0;
  bool any = false;
  for (const PlotSeries& s : panel.series) {
    for (const auto& [x, y] : s.points) {
      if (panel.log2_x && x <= 0) continue;
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xs.insert(x);
      if (!s.right_axis) ymax = std::max(ymax, y);
      any = true;
    }
  }
  svg << "<rect x=\"" << Num(px) << "\" y=\"" << Num(py) << "\" width=\"" << Num(pw)
      << "\" height=\"" << Num(ph) << "\" fill=\"none\" stroke=\"#888\"/>\n";
  if (!any) {
    svg << "<text x=\"" << Num(px + pw / 2) << "\" y=\"" << Num(py + ph / 2)
        << "\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n";
    return;
  }
  const std::vector<double> yticks = NiceTicks(ymax);
  const double ytop = yticks.back();
  const PanelFrame f(px, py, pw, ph, *xs.begin(), *xs.rbegin(), panel.log2_x, ytop, panel.y2_max);

  // Grid and y ticks (left).
  for (double t : yticks) {
    const double y = f.Y(t, false);
    svg << "<line x1=\"" << Num(px) << "\" y1=\"" << Num(y) << "\" x2=\"" << Num(px + pw)
        << "\" y2=\"" << Num(y) << "\" stroke=\"#e4e4e4\"/>\n";
    svg << "<text x=\"" << Num(px - 5) << "\" y=\"" << Num(y + 4)
        << "\" text-anchor=\"end\" font-size=\"11\">" << TickLabel(t) << "</text>\n";
  }
  // Right axis ticks.
  if (!panel.y2_label.empty()) {
    for (double t : NiceTicks(panel.y2_max)) {
      if (t > panel.y2_max * 1.0001) break;
      const double y = f.Y(t, true);
      svg << "<text x=\"" << Num(px + pw + 5) << "\" y=\"" << Num(y + 4)
          << "\" font-size=\"11\" fill=\"#555\">" << TickLabel(t) << "</text>\n";
    }
  }
  // X ticks at the data's x values.
  for (double x : xs) {
    const double X = f.X(x);
    svg << "<line x1=\"" << Num(X) << "\" y1=\"" << Num(py + ph) << "\" x2=\"" << Num(X)
        << "\" y2=\"" << Num(py + ph + 4) << "\" stroke=\"#888\"/>\n";
    svg << "<text x=\"" << Num(X) << "\" y=\"" << Num(py + ph + 16)
        << "\" text-anchor=\"middle\" font-size=\"11\">" << TickLabel(x) << "</text>\n";
  }
  // Axis labels.
  svg << "<text x=\"" << Num(px + pw / 2) << "\" y=\"" << Num(py + ph + 30)
      << "\" text-anchor=\"middle\" font-size=\"11\">" << XmlEscape(panel.x_label) << "</text>\n";
  svg << "<text transform=\"translate(" << Num(ox + 14) << "," << Num(py + ph / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">" << XmlEscape(panel.y_label)
      << "</text>\n";
  if (!panel.y2_label.empty()) {
    svg << "<text transform=\"translate(" << Num(ox + width - 10) << "," << Num(py + ph / 2)
        << ") rotate(90)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">"
        << XmlEscape(panel.y2_label) << "</text>\n";
  }

  // Series, then the legend below the x label.
  double legend_x = px;
  const double legend_y = py + ph + 48;
  for (const PlotSeries& s : panel.series) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : s.points) {
      if (panel.log2_x && p.first <= 0) continue;
      if (!std::isfinite(p.first) || !std::isfinite(p.second)) continue;
      pts.push_back(p);
    }
    if (pts.empty()) continue;
    std::sort(pts.begin(), pts.end());
    const std::string dash = s.dashed ? " stroke-dasharray=\"5,3\"" : "";
    svg << "<polyline fill=\"none\" stroke=\"" << XmlEscape(s.color) << "\" stroke-width=\"2\""
        << dash << " points=\"";
    for (const auto& [x, y] : pts) svg << Num(f.X(x)) << "," << Num(f.Y(y, s.right_axis)) << " ";
    svg << "\"/>\n";
    for (const auto& [x, y] : pts) {
      svg << "<circle cx=\"" << Num(f.X(x)) << "\" cy=\"" << Num(f.Y(y, s.right_axis))
          << "\" r=\"3\" fill=\"" << XmlEscape(s.color) << "\"><title>" << XmlEscape(s.label)
          << ": x=" << TickLabel(x) << " y=" << y << "</title></circle>\n";
    }
    svg << "<line x1=\"" << Num(legend_x) << "\" y1=\"" << Num(legend_y - 4) << "\" x2=\""
        << Num(legend_x + 18) << "\" y2=\"" << Num(legend_y - 4) << "\" stroke=\""
        << XmlEscape(s.color) << "\" stroke-width=\"2\"" << dash << "/>\n";
    svg << "<text x=\"" << Num(legend_x + 22) << "\" y=\"" << Num(legend_y)
        << "\" font-size=\"10\">" << XmlEscape(s.label) << "</text>\n";
    legend_x += 30 + 6.0 * static_cast<double>(s.label.size());
  }
}

}  // namespace

std::vector<double> NiceTicks(double max) {
  if (!(max > 0) || !std::isfinite(max)) return {0, 1};
  const double raw = max / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag * 10;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (mag * m >= raw) {
      step = mag * m;
      break;
    }
  }
  std::vector<double> ticks;
  for (int i = 0; i <= 12; ++i) {
    const double t = step * i;
    ticks.push_back(t);
    if (t >= max * 0.9999) break;
  }
  return ticks;
}

std::string RenderSvg(const PlotFigure& figure) {
  const int columns = std::max(1, figure.columns);
  const int n = static_cast<int>(figure.panels.size());
  const int rows = std::max(1, (n + columns - 1) / columns);
  const int width = columns * figure.panel_width;
  const int height = kFigureTitleHeight + rows * figure.panel_height;
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\""
      << " font-weight=\"bold\">" << XmlEscape(figure.title) << "</text>\n";
  for (int i = 0; i < n; ++i) {
    const double ox = static_cast<double>((i % columns) * figure.panel_width);
    const double oy = kFigureTitleHeight + static_cast<double>((i / columns) * figure.panel_height);
    svg << "<g>\n";
    RenderPanel(figure.panels[static_cast<size_t>(i)], ox, oy, figure.panel_width,
                figure.panel_height, svg);
    svg << "</g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace nsxv::bench
