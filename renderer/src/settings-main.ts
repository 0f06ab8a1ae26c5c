import { mount } from 'svelte';
import SettingsApp from './components/SettingsApp.svelte';
import { getApi } from './lib/api';
import './styles.css';

mount(SettingsApp, { target: document.getElementById('app') as HTMLElement, props: { api: getApi() } });
