// A small SVG line-chart writer for benchmark reports (no external tool): a figure is a grid of
// panels; each panel has a left and an optional right y axis (both linear, from 0), an x axis
// that is linear or log2, and line series with point markers. Text is XML-escaped.
//
// Pure functions on plain values; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nsxv::bench {

struct PlotSeries {
  std::string label;
  std::string color = "#1f77b4";  // any SVG color
  bool dashed = false;
  bool right_axis = false;                        // plotted against the right y axis
  std::vector<std::pair<double, double>> points;  // (x, y); drawn in x order
};

struct PlotPanel {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::string y2_label;  // empty: no right axis
  bool log2_x = false;   // x values must then be > 0
  double y2_max = 1.0;   // fixed top of the right axis (e.g. efficiency 0..1)
  std::vector<PlotSeries> series;
};

struct PlotFigure {
  std::string title;
  int columns = 3;
  int panel_width = 360;
  int panel_height = 250;
  std::vector<PlotPanel> panels;
};

// A complete standalone SVG document. Panels without points show "no data".
std::string RenderSvg(const PlotFigure& figure);

// Tick values for a linear axis from 0 to at least `max` (4-6 "nice" steps: 1, 2, 2.5, 5 x 10^k).
std::vector<double> NiceTicks(double max);

}  // namespace nsxv::bench
