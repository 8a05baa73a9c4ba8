// A PostCSS plugin, copied into the frontend build by marque_app/components/theme.py
// (unused_breakpoints_plugin, which fills in WIDTHS): Radix Themes' @media blocks of the
// breakpoints no page uses are dropped once Tailwind has inlined its stylesheets.
const WIDTHS = __WIDTHS__;
const unused = (params) =>
  WIDTHS.some((w) => new RegExp(`^\\(\\s*(min-width\\s*:|width\\s*>=)\\s*${w}\\s*\\)$`).test(params.trim()));
const plugin = () => ({
  postcssPlugin: "marque-unused-breakpoints",
  OnceExit(root) {
    root.walkAtRules("media", (rule) => {
      if (unused(rule.params)) rule.remove();
    });
  },
});
plugin.postcss = true;
export default plugin;
