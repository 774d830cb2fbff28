<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

namespace local_lemma\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;

/**
 * What the site accepts when users are created, in one read.
 *
 * No core web service reports the password policy, the installed languages, the time
 * zones, the authentication plugins or the custom profile field definitions. lemma enrol
 * checks every roster row against them before it writes anything, so that an
 * all-or-nothing batch of core_user_create_users does not fail on a value Moodle refuses.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class site_rules extends external_api {
    /**
     * No parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([]);
    }

    /**
     * The rules.
     *
     * @return array
     */
    public static function execute(): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/user/profile/lib.php');

        self::validate_parameters(self::execute_parameters(), []);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/user:create', $context);

        $languages = [];
        foreach (get_string_manager()->get_list_of_translations() as $code => $name) {
            $languages[] = ['code' => (string)$code, 'name' => $name];
        }
        $countries = [];
        foreach (get_string_manager()->get_list_of_countries(true) as $code => $name) {
            $countries[] = ['code' => (string)$code, 'name' => $name];
        }
        $auths = [];
        foreach (\core_component::get_plugin_list('auth') as $name => $unused) {
            if ($name === 'mnet' || $name === 'webservice') {
                // The functions that create users refuse these two.
                continue;
            }
            $plugin = get_auth_plugin($name);
            $auths[] = [
                'name' => $name,
                'enabled' => is_enabled_auth($name),
                'internal' => (bool)$plugin->is_internal(),
            ];
        }
        $profilefields = [];
        $categories = $DB->get_records_menu('user_info_category', null, 'sortorder ASC', 'id, name');
        foreach ($DB->get_records('user_info_field', null, 'categoryid ASC, sortorder ASC, id ASC') as $field) {
            $profilefields[] = [
                'id' => (int)$field->id,
                'shortname' => $field->shortname,
                'name' => $field->name,
                'datatype' => $field->datatype,
                'categoryid' => (int)$field->categoryid,
                'categoryname' => $categories[$field->categoryid] ?? '',
                'sortorder' => (int)$field->sortorder,
                'description' => (string)$field->description,
                'required' => (bool)$field->required,
                'locked' => (bool)$field->locked,
                'forceunique' => (bool)$field->forceunique,
                'signup' => (bool)$field->signup,
                'visible' => (int)$field->visible,
                'defaultdata' => (string)$field->defaultdata,
                'param1' => (string)$field->param1,
                'param2' => (string)$field->param2,
                'param3' => (string)$field->param3,
            ];
        }
        $roles = [];
        $courseroles = get_roles_for_contextlevels(CONTEXT_COURSE);
        if ($courseroles) {
            foreach ($DB->get_records_list('role', 'id', $courseroles, 'sortorder ASC') as $role) {
                $roles[] = [
                    'id' => (int)$role->id,
                    'shortname' => $role->shortname,
                    'name' => role_get_name($role, $context, ROLENAME_ORIGINAL),
                    'archetype' => (string)$role->archetype,
                ];
            }
        }
        $maxinputvars = (int)ini_get('max_input_vars');
        $postmaxsize = get_real_size(ini_get('post_max_size') ?: '0');

        return [
            'extendedusernamechars' => !empty($CFG->extendedusernamechars),
            'allowaccountssameemail' => !empty($CFG->allowaccountssameemail),
            'servertimezone' => \core_date::get_server_timezone(),
            'usertimezone' => \core_date::get_user_timezone(),
            'maxinputvars' => $maxinputvars,
            'postmaxsize' => (int)$postmaxsize,
            'passwordpolicy' => [
                'enabled' => !empty($CFG->passwordpolicy),
                'minlength' => (int)($CFG->minpasswordlength ?? 0),
                'mindigits' => (int)($CFG->minpassworddigits ?? 0),
                'minlower' => (int)($CFG->minpasswordlower ?? 0),
                'minupper' => (int)($CFG->minpasswordupper ?? 0),
                'minnonalphanum' => (int)($CFG->minpasswordnonalphanum ?? 0),
                'maxconsecutiveidentchars' => (int)($CFG->maxconsecutiveidentchars ?? 0),
                'pluginchecks' => !empty(get_plugins_with_function('check_password_policy')),
            ],
            'languages' => $languages,
            'countries' => $countries,
            'timezones' => array_map('strval', array_keys(\core_date::get_list_of_timezones(null, true))),
            'themes' => array_keys(\core_component::get_plugin_list('theme')),
            'auths' => $auths,
            'profilefields' => $profilefields,
            'roles' => $roles,
        ];
    }

    /**
     * The rules.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        $int = fn(string $desc) => new external_value(PARAM_INT, $desc);
        $bool = fn(string $desc) => new external_value(PARAM_BOOL, $desc);
        return new external_single_structure([
            'extendedusernamechars' => $bool('$CFG->extendedusernamechars'),
            'allowaccountssameemail' => $bool('$CFG->allowaccountssameemail'),
            'servertimezone' => new external_value(PARAM_RAW, 'Server time zone'),
            'usertimezone' => new external_value(PARAM_RAW, "The token user's effective time zone"),
            'maxinputvars' => $int('PHP max_input_vars (0: unknown)'),
            'postmaxsize' => $int('PHP post_max_size in bytes (0: unknown or no limit)'),
            'passwordpolicy' => new external_single_structure([
                'enabled' => $bool('Password policy on'),
                'minlength' => $int('Minimum length'),
                'mindigits' => $int('Minimum digits'),
                'minlower' => $int('Minimum lower-case letters'),
                'minupper' => $int('Minimum upper-case letters'),
                'minnonalphanum' => $int('Minimum other characters'),
                'maxconsecutiveidentchars' => $int('Most identical characters in a row (0: no limit)'),
                'pluginchecks' => $bool('Plugins add checks of their own'),
            ]),
            'languages' => new external_multiple_structure(new external_single_structure([
                'code' => new external_value(PARAM_RAW, 'Language code'),
                'name' => new external_value(PARAM_TEXT, 'Language name'),
            ])),
            'countries' => new external_multiple_structure(new external_single_structure([
                'code' => new external_value(PARAM_ALPHA, 'ISO 3166-1 alpha-2 code'),
                'name' => new external_value(PARAM_TEXT, 'Country name'),
            ])),
            'timezones' => new external_multiple_structure(new external_value(PARAM_RAW, 'Time zone')),
            'themes' => new external_multiple_structure(new external_value(PARAM_PLUGIN, 'Theme')),
            'auths' => new external_multiple_structure(new external_single_structure([
                'name' => new external_value(PARAM_PLUGIN, 'Authentication plugin'),
                'enabled' => $bool('Enabled on the site'),
                'internal' => $bool('Moodle keeps the password'),
            ])),
            'profilefields' => new external_multiple_structure(new external_single_structure([
                'id' => $int('Field id'),
                'shortname' => new external_value(PARAM_RAW, 'Short name'),
                'name' => new external_value(PARAM_TEXT, 'Name'),
                'datatype' => new external_value(PARAM_PLUGIN, 'Type'),
                'categoryid' => $int('Category id'),
                'categoryname' => new external_value(PARAM_TEXT, 'Category name'),
                'sortorder' => $int('Order in its category'),
                'description' => new external_value(PARAM_RAW, 'Description'),
                'required' => $bool('Required'),
                'locked' => $bool('Locked'),
                'forceunique' => $bool('Unique'),
                'signup' => $bool('On the sign-up page'),
                'visible' => $int('0 nobody, 1 the user, 2 everyone, 3 teachers'),
                'defaultdata' => new external_value(PARAM_RAW, 'Default value'),
                'param1' => new external_value(PARAM_RAW, 'param1'),
                'param2' => new external_value(PARAM_RAW, 'param2'),
                'param3' => new external_value(PARAM_RAW, 'param3'),
            ])),
            'roles' => new external_multiple_structure(new external_single_structure([
                'id' => $int('Role id'),
                'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Short name'),
                'name' => new external_value(PARAM_TEXT, 'Name'),
                'archetype' => new external_value(PARAM_ALPHANUMEXT, 'Archetype'),
            ])),
        ]);
    }
}
