// The tray icon and its menu. Icons: macOS template images (black with alpha, @2x beside them,
// the system tints them); elsewhere the glyph for the panel's shade (app/tray-host.ts trayPanel).

import { Menu, Tray, nativeImage, nativeTheme } from 'electron';
import type { NativeImage } from 'electron';
import * as path from 'path';

import type { MenuAction, MenuInput, TrayIconState } from '../app/menu-model.js';
import { trayPanel } from '../app/tray-host.js';
import { TrayPresenter } from '../app/tray-presenter.js';

export function trayIcon(assets: string, state: TrayIconState): NativeImage {
  const panel = trayPanel({
    platform: process.platform,
    env: process.env,
    darkColors: nativeTheme.shouldUseDarkColors,
    darkSystemUI: nativeTheme.shouldUseDarkColorsForSystemIntegratedUI,
  });
  if (panel === 'template') {
    const img = nativeImage.createFromPath(path.join(assets, 'tray', `tray-${state}Template.png`));
    img.setTemplateImage(true);
    return img;
  }
  return nativeImage.createFromPath(path.join(assets, 'tray', `tray-${state}-${panel}.png`));
}

export function createTray(assets: string, input: () => MenuInput, onAction: (a: MenuAction) => void): { tray: Tray; presenter: TrayPresenter<Menu, NativeImage> } {
  const tray = new Tray(trayIcon(assets, 'idle'));
  const presenter = new TrayPresenter<Menu, NativeImage>({ tray, menu: Menu, icon: (s) => trayIcon(assets, s), input, onAction });
  nativeTheme.on('updated', () => presenter.redrawIcon());
  presenter.refresh();
  return { tray, presenter };
}
