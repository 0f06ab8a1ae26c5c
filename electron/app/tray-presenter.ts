// Keeps the tray in step with the app: the menu (from menu-model), the icon (idle, knocking,
// open, error) and the tooltip, redrawn when what they show changed. A click on the icon
// opens the quick picker where the platform delivers clicks; everything is in the menu too.

import type { MenuItemTemplate, MenuApi, TrayLike } from './electron-like.js';
import { MenuAction, MenuInput, MenuNode, TrayIconState, buildMenuModel, trayIconState, trayToolTip } from './menu-model.js';

export interface TrayPresenterOptions<M, I> {
  tray: TrayLike<M, I>;
  menu: MenuApi<M>;
  icon: (state: TrayIconState) => I;
  input: () => MenuInput;
  onAction: (action: MenuAction) => void;
}

export function toTemplate(nodes: readonly MenuNode[], onAction: (a: MenuAction) => void): MenuItemTemplate[] {
  return nodes.map((n) => {
    if (n.separator) return { id: n.id, type: 'separator' };
    const item: MenuItemTemplate = { id: n.id, label: n.label ?? '' };
    if (n.detail) {
      // sublabel shows on macOS; elsewhere the state is also the last, disabled entry of the submenu.
      item.sublabel = n.detail;
      item.toolTip = n.detail;
    }
    if (n.enabled === false) item.enabled = false;
    if (n.accelerator) item.accelerator = n.accelerator;
    if (n.children) {
      item.type = 'submenu';
      item.submenu = toTemplate(n.children, onAction);
    } else if (n.action) {
      const action = n.action;
      item.click = () => onAction(action);
    }
    return item;
  });
}

export class TrayPresenter<M, I> {
  private lastIcon: TrayIconState | undefined;
  private lastTip: string | undefined;
  /** What the menu last showed: a new menu is built only when it differs (an open menu closes or flickers when replaced on Linux and Windows). */
  private lastMenu: string | undefined;

  constructor(private readonly opts: TrayPresenterOptions<M, I>) {
    opts.tray.on('click', () => opts.onAction({ kind: 'picker' }));
  }

  /** The theme changed: draw the icon again in the other variant. */
  redrawIcon(): void {
    this.lastIcon = undefined;
    this.refresh();
  }

  refresh(): void {
    const input = this.opts.input();
    const model = buildMenuModel(input);
    // The model holds what is shown (labels, states, enabled, accelerators) and the actions, never the probes' timestamps.
    const shown = JSON.stringify(model);
    if (shown !== this.lastMenu) {
      this.opts.tray.setContextMenu(this.opts.menu.buildFromTemplate(toTemplate(model, this.opts.onAction)));
      this.lastMenu = shown;
    }
    const icon = trayIconState(input);
    if (icon !== this.lastIcon) {
      this.opts.tray.setImage(this.opts.icon(icon));
      this.lastIcon = icon;
    }
    const tip = trayToolTip(input);
    if (tip !== this.lastTip) {
      this.opts.tray.setToolTip(tip);
      this.lastTip = tip;
    }
  }
}
